package customer

import (
	"context"
	"database/sql"
	"errors"

	"github.com/mageseed/mageseed/sandbox/webapi"
)

// loadAddress reads one address with its customer's default ids.
func (m *Module) loadAddress(ctx context.Context, id int64) (addressRec, int64, int64, bool, error) {
	var a addressRec
	err := scanAddress(m.db.R.QueryRowContext(ctx, `SELECT `+addressColumns+` FROM customer_address_entity WHERE entity_id = ?`, id), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return a, 0, 0, false, nil
	}
	if err != nil {
		return a, 0, 0, false, err
	}
	var billing, shipping int64
	err = m.db.R.QueryRowContext(ctx, `SELECT coalesce(default_billing, 0), coalesce(default_shipping, 0) FROM customer_entity WHERE entity_id = ?`,
		a.CustomerID).Scan(&billing, &shipping)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return a, 0, 0, false, err
	}
	vals, err := loadValues(ctx, m.db.R, "customer_address_entity_value", []int64{a.ID})
	if err != nil {
		return a, 0, 0, false, err
	}
	a.custom = vals[a.ID]
	return a, billing, shipping, true, nil
}

// getAddress is GET /V1/customers/addresses/:addressId.
func (m *Module) getAddress(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "addressId")
	if err != nil {
		return nil, err
	}
	a, billing, shipping, ok, err := m.loadAddress(c.R.Context(), id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, webapi.NotFound("addressId", id)
	}
	return a.wire(m.countries, &m.eav, billing, shipping), nil
}

// deleteAddress is DELETE /V1/addresses/:addressId. A default address that
// is deleted stops being the customer's default.
func (m *Module) deleteAddress(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "addressId")
	if err != nil {
		return nil, err
	}
	ctx := c.R.Context()
	var n int64
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		var parent int64
		err := tx.QueryRowContext(ctx, `SELECT parent_id FROM customer_address_entity WHERE entity_id = ?`, id).Scan(&parent)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_address_entity WHERE entity_id = ?`, id); err != nil {
			return err
		}
		n = 1
		_, err = tx.ExecContext(ctx, `UPDATE customer_entity SET
			default_billing = CASE WHEN default_billing = ?1 THEN NULL ELSE default_billing END,
			default_shipping = CASE WHEN default_shipping = ?1 THEN NULL ELSE default_shipping END
			WHERE entity_id = ?2`, id, parent)
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, webapi.NotFound("addressId", id)
	}
	return true, nil
}

// defaultAddress answers a customer's default billing or shipping address,
// or, when it has none, [] (Magento's REST output for a null return).
func (m *Module) defaultAddress(ctx context.Context, customerID int64, billing bool) (any, error) {
	rec, ok, err := loadCustomer(ctx, m.db.R, customerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, webapi.NotFound("customerId", customerID)
	}
	want := rec.DefaultShipping
	if billing {
		want = rec.DefaultBilling
	}
	for i := range rec.Addresses {
		if rec.Addresses[i].ID == want {
			return rec.Addresses[i].wire(m.countries, &m.eav, rec.DefaultBilling, rec.DefaultShipping), nil
		}
	}
	return []any{}, nil
}

// billingAddress is GET /V1/customers/:customerId/billingAddress.
func (m *Module) billingAddress(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "customerId")
	if err != nil {
		return nil, err
	}
	return m.defaultAddress(c.R.Context(), id, true)
}

// shippingAddress is GET /V1/customers/:customerId/shippingAddress.
func (m *Module) shippingAddress(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "customerId")
	if err != nil {
		return nil, err
	}
	return m.defaultAddress(c.R.Context(), id, false)
}

// meBillingAddress is GET /V1/customers/me/billingAddress.
func (m *Module) meBillingAddress(c *webapi.Call) (any, error) {
	return m.defaultAddress(c.R.Context(), c.Who.UID, true)
}

// meShippingAddress is GET /V1/customers/me/shippingAddress.
func (m *Module) meShippingAddress(c *webapi.Call) (any, error) {
	return m.defaultAddress(c.R.Context(), c.Who.UID, false)
}
