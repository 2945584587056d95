package magento

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/mageseed/mageseed"
)

// ItemResult is the store's first answer about one customer of a bulk
// create: accepted for the queue, or rejected with a message. Business
// failures (a taken email, a weak password) show only later, in
// [Client.BulkStatus].
type ItemResult struct {
	// Index is the customer's position in the request.
	Index int
	// Accepted reports whether the item was queued.
	Accepted bool
	// Message is the store's reason for a rejected item.
	Message string
}

// CreateCustomersBulk queues the creation of customers through Magento's
// asynchronous bulk API (POST /rest/<store>/async/bulk/V1/customers) and
// returns the bulk's uuid and the status of each item. The store creates
// them later, with its message-queue consumers (async.operations.all);
// follow them with BulkStatus. Like CreateCustomer it is never retried after
// a failure without an answer (EUNAVAILABLE): look the emails up first.
// A malformed item fails the whole request with EINVALID.
func (c *Client) CreateCustomersBulk(ctx context.Context, customers []mageseed.Customer) (string, []ItemResult, error) {
	body := make([]CreateCustomerRequest, 0, len(customers))
	secret := false
	var secrets []string
	for _, cust := range customers {
		d := customerToWire(cust)
		d.ID = 0
		d.DefaultBilling, d.DefaultShipping = "", ""
		for i := range d.Addresses {
			d.Addresses[i].ID = 0
		}
		body = append(body, CreateCustomerRequest{Customer: d, Password: cust.Password})
		secret = secret || cust.Password != ""
		secrets = append(secrets, cust.Password)
	}
	k := &call{
		method: http.MethodPost, path: "/V1/customers", root: "/async/bulk",
		body: body, retry: retryCreate, secret: secret, secrets: secrets,
	}
	var res AsyncResponse
	if err := c.do(ctx, k, &res); err != nil {
		return "", nil, err
	}
	items := make([]ItemResult, 0, len(res.RequestItems))
	for _, it := range res.RequestItems {
		items = append(items, ItemResult{Index: it.ID, Accepted: it.Status == "accepted", Message: mageseed.EscapeTerminal(trimPeriod(it.ErrorMessage))})
	}
	return res.BulkUUID, items, nil
}

// BulkStatus returns the detailed status of a bulk (GET
// /V1/bulk/:uuid/detailed-status): one operation per item, with Magento's
// status codes (OperationComplete, OperationOpen, ...) and, for a failed
// one, its message. An unknown uuid gives ENOTFOUND.
func (c *Client) BulkStatus(ctx context.Context, uuid string) (*BulkStatus, error) {
	var st BulkStatus
	k := &call{method: http.MethodGet, path: "/V1/bulk/" + url.PathEscape(uuid) + "/detailed-status"}
	if err := c.do(ctx, k, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Pending returns the number of operations of s that are still open.
func (s *BulkStatus) Pending() int {
	n := 0
	for _, op := range s.OperationsList {
		if op.Status == OperationOpen {
			n++
		}
	}
	return n
}

// OperationResult is the outcome of one operation of a bulk, in terms that
// need no knowledge of Magento's status codes.
type OperationResult struct {
	// Index is the position of the customer in the CreateCustomersBulk
	// call.
	Index int
	// Open reports that the operation is still queued or running.
	Open bool
	// Done reports that the customer was created.
	Done bool
	// CustomerID is the created customer's id when the store reports it
	// (detailed status), else 0: look the email up.
	CustomerID int
	// Err is the store's reason for a failed or rejected operation, with
	// the code CodeOf gives a 400 with that message (ECONFLICT for a taken
	// email, else EINVALID).
	Err error
}

// Results returns the outcome of every operation of s, ordered by index.
func (s *BulkStatus) Results() []OperationResult {
	out := make([]OperationResult, 0, len(s.OperationsList))
	for _, op := range s.OperationsList {
		r := OperationResult{Index: op.ID}
		switch op.Status {
		case OperationOpen:
			r.Open = true
		case OperationComplete:
			r.Done = true
			if op.ResultSerializedData != nil {
				var d struct {
					ID int `json:"id"`
				}
				if json.Unmarshal([]byte(*op.ResultSerializedData), &d) == nil {
					r.CustomerID = d.ID
				}
			}
		default:
			msg := mageseed.EscapeTerminal(trimPeriod(op.ResultMessage))
			if msg == "" {
				msg = fmt.Sprintf("operation failed with status %d", op.Status)
			}
			r.Err = &mageseed.Error{Code: CodeOf(http.StatusBadRequest, msg), Message: msg}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// SubmitCreates queues customers for creation as one async bulk and returns
// the bulk's uuid and the items the store refused at once, by index into
// customers (each error with the code CodeOf gives a 400 with the store's
// message). It is CreateCustomersBulk in the shape of apply.BulkRemote.
func (c *Client) SubmitCreates(ctx context.Context, customers []mageseed.Customer) (string, map[int]error, error) {
	uuid, items, err := c.CreateCustomersBulk(ctx, customers)
	if err != nil {
		return "", nil, err
	}
	rejected := make(map[int]error)
	for _, it := range items {
		if it.Accepted {
			continue
		}
		msg := it.Message
		if msg == "" {
			msg = "rejected by the store"
		}
		rejected[it.Index] = &mageseed.Error{Code: CodeOf(http.StatusBadRequest, msg), Message: msg}
	}
	return uuid, rejected, nil
}
