package magento

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestBudgetReadAll: readers that together want more than the budget all
// finish (none waits while holding a share), each gets its bytes, and an
// answer past the limit is refused without being read further.
func TestBudgetReadAll(t *testing.T) {
	b := newBudget()
	const readers, size = 8, 12 << 20 // 96 MiB wanted, 64 MiB budget
	var wg sync.WaitGroup
	errs := make([]error, readers)
	for i := range readers {
		wg.Go(func() {
			buf, done, err := b.readAll(context.Background(), bytes.NewReader(bytes.Repeat([]byte{byte(i)}, size)), maxAnswerBytes)
			if err != nil {
				errs[i] = err
				return
			}
			defer done()
			if len(buf) != size || buf[size-1] != byte(i) {
				errs[i] = errors.New("wrong bytes")
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("reader %d: %v", i, err)
		}
	}
	if !b.sem.TryAcquire(answerBudget) {
		t.Errorf("the budget was not given back whole")
	}
	b.sem.Release(answerBudget)

	r := &countingReader{r: strings.NewReader(strings.Repeat("x", 100<<20))}
	if _, _, err := b.readAll(context.Background(), r, maxAnswerBytes); !errors.Is(err, errTooLarge) {
		t.Errorf("100 MiB answer: %v, want errTooLarge", err)
	}
	if r.n > maxAnswerBytes+64<<10 {
		t.Errorf("read %d bytes of a 100 MiB answer, want about %d", r.n, maxAnswerBytes)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestSearchValueTooLarge: one customer larger than maxItemBytes in a search
// page ends the decode after about that many bytes, whatever follows.
func TestSearchValueTooLarge(t *testing.T) {
	huge := `{"items":[{"id":1,"email":"a@example.com","firstname":"` + strings.Repeat("A", 50<<20) + `"}],"total_count":1}`
	r := &countingReader{r: strings.NewReader(huge)}
	w := &window{r: r, max: maxItemBytes}
	_, _, err := decodeSearch(w, func(*CustomerData) error { return nil })
	if !errors.Is(err, errValue) {
		t.Fatalf("decodeSearch: %v, want errValue", err)
	}
	if r.n > 2*maxItemBytes {
		t.Errorf("read %d bytes, want at most %d", r.n, 2*maxItemBytes)
	}
}
