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
//
// It also registers every customer token the store mints with mask, so that
// a token never reaches the terminal, whatever message might quote it.
type bulkClient struct {
	*magento.Client
	mask func(secrets ...string)
}

var _ apply.BulkRemote = bulkClient{}

func (c bulkClient) CustomerToken(ctx context.Context, websiteID int, email, password string) (string, error) {
	tok, err := c.Client.CustomerToken(ctx, websiteID, email, password)
	if tok != "" && c.mask != nil {
		c.mask(tok)
	}
	return tok, err
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
