package magento

import (
	"context"
	"errors"
	"io"

	"golang.org/x/sync/semaphore"
)

// Memory bounds. Whatever a store sends, the bytes of its answers that the
// client holds at one time stay under answerBudget: an answer read whole
// (every answer but a search page) takes its size from the budget as it
// grows and may not pass maxAnswerBytes; a search page is decoded as it
// arrives, one customer at a time, and holds maxItemBytes of the budget
// while it is read. Customers of a search page that the caller did not ask
// for are dropped as soon as they are decoded.
const (
	answerBudget   = 64 << 20
	maxAnswerBytes = 16 << 20
	maxItemBytes   = 4 << 20
	// maxErrorBytes is as much of an error answer as is read.
	maxErrorBytes = 64 << 10
)

var (
	errTooLarge = errors.New("answer too large")
	errValue    = errors.New("value too large")
)

// budget is the byte budget of the answers in flight.
type budget struct{ sem *semaphore.Weighted }

func newBudget() *budget { return &budget{sem: semaphore.NewWeighted(answerBudget)} }

// reserve takes n bytes of the budget, waiting for them if need be; the
// returned function gives them back.
func (b *budget) reserve(ctx context.Context, n int64) (func(), error) {
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}

// readAll reads r whole, at most limit bytes (errTooLarge past it), taking
// what it holds from the budget as it grows. It never waits while it holds
// part of the budget (two readers could otherwise wait for each other): when
// the budget cannot grow at once it gives back what it holds and waits for
// the whole amount. The returned function gives the bytes back; call it
// once the answer is decoded.
func (b *budget) readAll(ctx context.Context, r io.Reader, limit int64) ([]byte, func(), error) {
	held := int64(0)
	release := func() {
		if held > 0 {
			b.sem.Release(held)
			held = 0
		}
	}
	grow := func(want int64) error {
		if b.sem.TryAcquire(want - held) {
			held = want
			return nil
		}
		release()
		if err := b.sem.Acquire(ctx, want); err != nil {
			return err
		}
		held = want
		return nil
	}
	const first = 32 << 10
	if err := grow(first); err != nil {
		return nil, nil, err
	}
	buf := make([]byte, 0, 4<<10)
	for {
		if int64(len(buf)) == held {
			if held > limit {
				release()
				return nil, nil, errTooLarge
			}
			if err := grow(min(2*held, limit+1)); err != nil {
				release()
				return nil, nil, err
			}
		}
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(int64(2*cap(buf)), held))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), held)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, release, nil
		}
		if err != nil {
			release()
			return buf, nil, err
		}
	}
}

// window reads an answer for a streaming decoder and lets it hold at most
// max bytes past mark, the start of the value it decodes now: a store
// cannot make one value fill the memory. It remembers the first error of
// the connection, so that a cut-off answer is told from invalid JSON.
type window struct {
	r    io.Reader
	read int64 // bytes read so far
	mark int64
	max  int64
	err  error // the first read error other than io.EOF
}

func (w *window) Read(p []byte) (int, error) {
	room := w.mark + w.max - w.read
	if room <= 0 {
		return 0, errValue
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := w.r.Read(p)
	w.read += int64(n)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}
