package customer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Confirmation statuses of AccountManagementInterface::getConfirmationStatus.
const (
	accountConfirmed               = "account_confirmed"
	accountConfirmationRequired    = "account_confirmation_required"
	accountConfirmationNotRequired = "account_confirmation_not_required"
)

// Messages of email confirmation and account sharing.
const (
	// Magento\Customer\Model\AccountManagement\Authenticate::execute.
	msgNotConfirmed = "This account isn't confirmed. Verify and try again."
	// AccountManagement::activateCustomer.
	msgAlreadyActive = "The account is already active."
	msgInvalidToken  = "The confirmation token is invalid. Verify the token and try again."
)

// Configuration paths of email confirmation and account sharing.
const (
	// ConfigConfirm is customer/create_account/confirm: "1" gives new
	// accounts a confirmation key and refuses their sign-in until they are
	// activated.
	ConfigConfirm = "customer/create_account/confirm"
	// ConfigShareScope is customer/account_share/scope: "1" (per website,
	// the default) or "0" (global: an email is one account across
	// websites, and sign-in finds it on any website).
	ConfigShareScope = "customer/account_share/scope"
	// ConfigGuestCheckoutLogin is checkout/options/enable_guest_checkout_login
	// (AccountManagement::GUEST_CHECKOUT_LOGIN_OPTION_SYS_CONFIG): "1" lets
	// POST /V1/customers/isEmailAvailable tell whether an email has an
	// account; off (the default since Magento 2.4.7) it calls every email
	// available.
	ConfigGuestCheckoutLogin = "checkout/options/enable_guest_checkout_login"
)

// confirmRequired reports whether new accounts need email confirmation
// (AccountConfirmation::isConfirmationRequired).
func (m *Module) confirmRequired() bool {
	return strings.TrimSpace(m.config(ConfigConfirm)) == "1"
}

// guestCheckoutLogin reports whether guest checkout login is on
// (ConfigGuestCheckoutLogin).
// isEmailAvailable tests the value as PHP does (!$guestLoginConfig): "" and
// "0" are off.
func (m *Module) guestCheckoutLogin() bool {
	v := m.config(ConfigGuestCheckoutLogin)
	return v != "" && v != "0"
}

// shareGlobal reports whether customer accounts are shared across websites
// (Customer\Model\Config\Share::isGlobalScope).
func (m *Module) shareGlobal() bool {
	return strings.TrimSpace(m.config(ConfigShareScope)) == "0"
}

// confirmationKey returns a new account's confirmation key: 32 hex digits,
// as Customer::getRandomConfirmationKey's md5 of a unique id.
func confirmationKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// checkSharedEmail refuses, when accounts are shared globally, an email
// that another customer (not id) has on any website
// (Customer\Model\ResourceModel\Customer::_beforeSave: the website filter
// applies only to the website scope). Per website, the table's unique key
// does the same.
func (m *Module) checkSharedEmail(ctx context.Context, tx *sql.Tx, email string, id int64) error {
	if !m.shareGlobal() {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customer_entity WHERE email = ? AND entity_id != ?`, email, id).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return errAlreadyExists
	}
	return nil
}

// lookupWebsite is the website a lookup by email searches: the given one,
// or every website (0) when accounts are shared globally
// (CustomerRegistry::retrieveByEmail via ResourceModel\Customer::loadByEmail).
func (m *Module) lookupWebsite(websiteID int) int {
	if m.shareGlobal() {
		return 0
	}
	return websiteID
}

// activate is PUT /V1/customers/:email/activate
// (AccountManagement::activate): the customer with the email in the URL's
// website (any website when accounts are shared globally).
func (m *Module) activate(c *webapi.Call) (any, error) {
	p, err := webapi.Params(c.Body, webapi.Param{Name: "confirmationKey", Required: true})
	if err != nil {
		return nil, err
	}
	email := strings.TrimSpace(c.Params["email"])
	ctx := c.R.Context()
	website := c.Store.WebsiteID
	q := `SELECT entity_id FROM customer_entity WHERE email = ? AND website_id = ?`
	args := []any{email, website}
	if m.lookupWebsite(website) == 0 {
		q = `SELECT entity_id FROM customer_entity WHERE email = ? ORDER BY website_id LIMIT 1`
		args = args[:1]
	}
	var id int64
	err = m.db.R.QueryRowContext(ctx, q, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webapi.NewError(http.StatusNotFound, msgNoSuchEntity2,
			map[string]any{"fieldName": "email", "fieldValue": email, "field2Name": "websiteId", "field2Value": website})
	}
	if err != nil {
		return nil, err
	}
	return m.activateCustomer(ctx, id, p.Str("confirmationKey"))
}

// activateMe is PUT /V1/customers/me/activate
// (AccountManagement::activateById for the token's customer).
func (m *Module) activateMe(c *webapi.Call) (any, error) {
	p, err := webapi.Params(c.Body, webapi.Param{Name: "confirmationKey", Required: true})
	if err != nil {
		return nil, err
	}
	return m.activateCustomer(c.R.Context(), c.Who.UID, p.Str("confirmationKey"))
}

// activateCustomer is AccountManagement::activateCustomer: the key must be
// the customer's pending confirmation key; the answer is the customer,
// without the key.
func (m *Module) activateCustomer(ctx context.Context, id int64, confirmationKey string) (any, error) {
	var key string
	err := m.db.R.QueryRowContext(ctx, `SELECT coalesce(confirmation, '') FROM customer_entity WHERE entity_id = ?`, id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webapi.NotFound("customerId", id)
	}
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, webapi.NewError(http.StatusBadRequest, msgAlreadyActive, nil)
	}
	if key != confirmationKey {
		return nil, webapi.NewError(http.StatusBadRequest, msgInvalidToken, nil)
	}
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE customer_entity SET confirmation = NULL WHERE entity_id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	rec, ok, err := loadCustomer(ctx, m.db.R, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, webapi.NotFound("customerId", id)
	}
	return rec.wire(m.countries, &m.eav), nil
}

// confirmationStatus is GET /V1/customers/:customerId/confirm
// (AccountManagement::getConfirmationStatus): with confirmation off, every
// account is "account_confirmation_not_required", whatever its key.
func (m *Module) confirmationStatus(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "customerId")
	if err != nil {
		return nil, err
	}
	var key string
	err = m.db.R.QueryRowContext(c.R.Context(), `SELECT coalesce(confirmation, '') FROM customer_entity WHERE entity_id = ?`, id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webapi.NotFound("customerId", id)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !m.confirmRequired():
		return accountConfirmationNotRequired, nil
	case key != "":
		return accountConfirmationRequired, nil
	}
	return accountConfirmed, nil
}
