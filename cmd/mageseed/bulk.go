package main

import (
	"context"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
)

// bulkClient adapts magento.Client to apply.BulkRemote: the client speaks
// Magento's bulk API, apply speaks of operations by index. It lives here
// because neither package may import the other.
type bulkClient struct{ *magento.Client }

var _ apply.BulkRemote = bulkClient{}

func (c bulkClient) SubmitCreates(ctx context.Context, customers []mageseed.Customer) (string, map[int]error, error) {
	uuid, items, err := c.CreateCustomersBulk(ctx, customers)
	if err != nil {
		return "", nil, err
	}
	var rejected map[int]error
	for _, it := range items {
		if it.Accepted {
			continue
		}
		if rejected == nil {
			rejected = map[int]error{}
		}
		rejected[it.Index] = &mageseed.Error{Code: magento.CodeOf(400, it.Message), Message: it.Message}
	}
	return uuid, rejected, nil
}

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
