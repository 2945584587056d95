package apply

import (
	"context"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
)

// Remote is the store as apply sees it. magento.Client implements it; apply
// never imports the client.
//
// Errors carry a mageseed error code (mageseed.ErrorCode): ECONFLICT when a
// create finds the (email, website) taken, ENOTFOUND for an unknown id,
// EUNAVAILABLE when the outcome is unknown (5xx, transport failure, no
// answer), EINVALID when the store rejected the input, EUNAUTHORIZED for
// refused credentials.
type Remote interface {
	// Websites lists the store's websites, the admin website (id 0) included.
	Websites(ctx context.Context) ([]mageseed.Website, error)

	// Regions lists a country's regions as the store's directory holds them
	// (ids differ between installs). A country without a region list gives
	// an empty slice.
	Regions(ctx context.Context, countryID string) ([]directory.Region, error)

	// FindCustomers returns the customers of website websiteID whose email
	// is one of emails, with their addresses. Emails not in the store are
	// absent from the result. Implementations batch the lookups (at most
	// 100 emails a request) and read every page.
	FindCustomers(ctx context.Context, websiteID int, emails []string) ([]mageseed.Customer, error)

	// CreateCustomer creates c with its addresses and password in one
	// request and returns the stored customer (ids filled). It is never
	// retried blind: on EUNAVAILABLE the caller must look the email up.
	CreateCustomer(ctx context.Context, c mageseed.Customer) (mageseed.Customer, error)

	// UpdateCustomer replaces the customer c.ID with c. Addresses with an
	// ID are updated, those without are created, and the store deletes any
	// address that c.Addresses leaves out, so callers send back the
	// addresses they keep.
	UpdateCustomer(ctx context.Context, c mageseed.Customer) (mageseed.Customer, error)

	// DeleteCustomer deletes the customer with the given id.
	DeleteCustomer(ctx context.Context, id int) error

	// CustomerToken exchanges the email and password of a customer of
	// website websiteID for an access token. The store looks the email up
	// in one website only, so implementations ask through a store view of
	// that website. A wrong password gives EUNAUTHORIZED; callers must not
	// retry it (Magento locks an account after 6 failures).
	CustomerToken(ctx context.Context, websiteID int, email, password string) (string, error)
}

// BulkRemote is a Remote that can hand creates to the store's asynchronous
// bulk API (POST /async/bulk/V1/customers), which Magento's message-queue
// consumers then carry out. magento.Client implements it.
type BulkRemote interface {
	Remote

	// SubmitCreates queues the creation of customers (each with its
	// addresses and password) as one bulk and returns the bulk's id.
	// Customers the store refuses at once are reported in rejected, by
	// index into customers.
	SubmitCreates(ctx context.Context, customers []mageseed.Customer) (bulkID string, rejected map[int]error, err error)

	// PollBulk returns the state of every operation of a bulk, by the
	// index of the customer in the SubmitCreates call.
	PollBulk(ctx context.Context, bulkID string) ([]BulkOperation, error)
}

// BulkState is the state of one operation of a bulk.
type BulkState int

const (
	BulkOpen   BulkState = iota // queued or running
	BulkDone                    // the customer was created
	BulkFailed                  // the store refused it; Err says why
)

// BulkOperation is one operation of a bulk.
type BulkOperation struct {
	Index int
	State BulkState
	Err   error // Magento's message when State is BulkFailed
}
