package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mageseed/mageseed"
)

// memBulk is a memStore with Magento's asynchronous bulk API: a submission
// queues one operation per customer, and a consumer runs up to step queued
// operations, oldest bulk first, at each poll of any bulk (all of them when
// step is 0; none when paused), so tests decide how fast the store works
// through its queue. Customers whose email starts with "reject" are
// refused at submission.
type memBulk struct {
	*memStore

	// step bounds the operations run per poll; 0 means all.
	step int
	// paused stops the consumer, as a store without its consumer running.
	paused bool
	// submitFault, if set, answers a submission instead of the store; with
	// drop, the bulk is queued and the answer lost.
	submitFault func(n int) (err error, drop bool)
	// runDropped makes the consumer run a bulk whose answer is dropped
	// before the answer is lost, as a store whose consumers keep up.
	runDropped bool

	bmu     sync.Mutex
	bulks   map[string]*bulkRec
	order   []string // bulk ids, oldest first
	submits int
	polls   int
}

type bulkRec struct {
	customers []mageseed.Customer
	ops       []BulkOperation
}

var _ BulkRemote = (*memBulk)(nil)

func newMemBulk() *memBulk {
	return &memBulk{memStore: newMemStore(), bulks: make(map[string]*bulkRec)}
}

func (m *memBulk) SubmitCreates(ctx context.Context, customers []mageseed.Customer) (string, map[int]error, error) {
	m.bmu.Lock()
	defer m.bmu.Unlock()
	m.submits++
	var drop bool
	if m.submitFault != nil {
		var err error
		if err, drop = m.submitFault(m.submits); err != nil {
			return "", nil, err
		}
	}
	id := fmt.Sprintf("bulk-%04d", len(m.bulks)+1)
	rec := &bulkRec{customers: slices.Clone(customers)}
	rejected := make(map[int]error)
	for i, c := range customers {
		if c.Email == "" || strings.HasPrefix(c.Email, "reject") {
			rejected[i] = mageseed.Errorf(mageseed.EINVALID, "The email address is required to create a customer account.")
			continue
		}
		rec.ops = append(rec.ops, BulkOperation{Index: i, State: BulkOpen})
	}
	m.bulks[id] = rec
	m.order = append(m.order, id)
	if drop {
		if m.runDropped {
			m.run(rec, 0)
		}
		return "", nil, dropped("submit bulk")
	}
	return id, rejected, nil
}

func (m *memBulk) PollBulk(ctx context.Context, id string) ([]BulkOperation, error) {
	m.bmu.Lock()
	defer m.bmu.Unlock()
	m.polls++
	rec, ok := m.bulks[id]
	if !ok {
		return nil, mageseed.Errorf(mageseed.ENOTFOUND, "Bulk uuid %s not exist", id)
	}
	ran := 0
	for _, bid := range m.order {
		if m.paused {
			break
		}
		ran += m.run(m.bulks[bid], ran)
	}
	return slices.Clone(rec.ops), nil
}

// run runs the open operations of b, up to step less ran of them when step
// is set, and returns how many it ran. m.bmu is held.
func (m *memBulk) run(b *bulkRec, ran int) int {
	n := 0
	for k := range b.ops {
		op := &b.ops[k]
		if op.State != BulkOpen || (m.step > 0 && ran+n >= m.step) {
			continue
		}
		n++
		m.memStore.mu.Lock()
		_, err := m.memStore.create(b.customers[op.Index])
		m.memStore.mu.Unlock()
		if err != nil {
			op.State, op.Err = BulkFailed, err
		} else {
			op.State = BulkDone
		}
	}
	return n
}
