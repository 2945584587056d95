package main

import (
	"context"

	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
)

// bulkClient adapts magento.Client to apply.BulkRemote: the client reads a
// bulk's status in Magento's terms, apply speaks of operations by index
// with its own types. It lives here because neither package may import the
// other.
type bulkClient struct{ *magento.Client }

var _ apply.BulkRemote = bulkClient{}

func (c bulkClient) PollBulk(ctx context.Context, bulkID string) ([]apply.BulkOperation, error) {
	st, err := c.BulkStatus(ctx, bulkID)
	if err != nil {
		return nil, err
	}
	results := st.Results()
	ops := make([]apply.BulkOperation, 0, len(results))
	for _, r := range results {
		op := apply.BulkOperation{Index: r.Index, State: apply.BulkOpen}
		switch {
		case r.Done:
			op.State = apply.BulkDone
		case !r.Open:
			op.State = apply.BulkFailed
			op.Err = r.Err
		}
		ops = append(ops, op)
	}
	return ops, nil
}
