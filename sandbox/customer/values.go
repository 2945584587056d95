package customer

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// ValuesSchema is the tables of the user-defined attributes' values (one
// table per entity, where Magento has one per backend type) and of the
// newsletter subscriptions of customers.
const ValuesSchema = `
CREATE TABLE IF NOT EXISTS customer_entity_value (
	entity_id      INTEGER NOT NULL REFERENCES customer_entity (entity_id) ON DELETE CASCADE,
	attribute_code TEXT NOT NULL,
	value          TEXT NOT NULL,
	PRIMARY KEY (entity_id, attribute_code)
);
CREATE TABLE IF NOT EXISTS customer_address_entity_value (
	entity_id      INTEGER NOT NULL REFERENCES customer_address_entity (entity_id) ON DELETE CASCADE,
	attribute_code TEXT NOT NULL,
	value          TEXT NOT NULL,
	PRIMARY KEY (entity_id, attribute_code)
);
CREATE TABLE IF NOT EXISTS newsletter_subscriber (
	customer_id       INTEGER PRIMARY KEY REFERENCES customer_entity (entity_id) ON DELETE CASCADE,
	subscriber_status INTEGER NOT NULL
);
`

// Subscriber statuses (Magento\Newsletter\Model\Subscriber).
const (
	subscriberSubscribed   = 1
	subscriberUnsubscribed = 3
)

// values turns a body's custom_attributes into the values of the entity's
// user-defined attributes, as strings. Codes the entity has no attribute
// for are dropped, as AbstractExtensibleObject::filterCustomAttributes
// drops them; a null value is "", an empty value. A multiselect value may
// be a list of option ids.
func (e *eavSetup) values(entity string, f webapi.Fields) (map[string]string, error) {
	in, _ := f["custom_attributes"].([]webapi.CustomAttribute)
	out := map[string]string{}
	for _, ca := range in {
		a, ok := e.customAttribute(entity, ca.Code)
		if !ok {
			continue
		}
		v, err := attributeValue(a, ca.Value)
		if err != nil {
			return nil, err
		}
		out[a.Code] = a.normalizeValue(v)
	}
	return out, nil
}

// mergeValues returns the stored values prev with the body's values laid
// over them: a body value replaces the stored one, an empty one deletes it.
func mergeValues(prev, body map[string]string) map[string]string {
	out := map[string]string{}
	for c, v := range prev {
		out[c] = v
	}
	for c, v := range body {
		if v == "" {
			delete(out, c)
		} else {
			out[c] = v
		}
	}
	return out
}

// attributeValue renders a custom attribute's JSON value as the string
// Magento stores.
func attributeValue(a *attribute, v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		if t {
			return "1", nil
		}
		return "0", nil
	case []any:
		if a.Input == "multiselect" {
			ids := make([]string, 0, len(t))
			for _, e := range t {
				s, err := attributeValue(a, e)
				if err != nil {
					return "", err
				}
				if s != "" {
					ids = append(ids, s)
				}
			}
			return strings.Join(ids, ","), nil
		}
	}
	return "", webapi.TypeError(v, "string")
}

// validate checks the values of the entity's user-defined attributes as
// Magento's EAV data validator does on save
// (Magento\Eav\Model\Validator\Attribute\Data::isValid: every visible
// attribute, a missing value validated as empty).
func (e *eavSetup) validate(entity string, vals map[string]string) []*webapi.Error {
	var out []*webapi.Error
	for _, a := range e.custom[entity] {
		for _, msg := range a.validateValue(vals[a.Code]) {
			out = append(out, webapi.NewError(http.StatusBadRequest, msg.text, msg.params))
		}
	}
	return out
}

// wire returns the values as custom_attributes, in the attributes' order;
// nil when there are none.
func (e *eavSetup) wire(entity string, vals map[string]string) []magento.CustomAttribute {
	var out []magento.CustomAttribute
	for _, a := range e.custom[entity] {
		if v, ok := vals[a.Code]; ok {
			out = append(out, magento.CustomAttribute{AttributeCode: a.Code, Value: v})
		}
	}
	return out
}

// saveValues replaces the stored values of one entity row.
func saveValues(ctx context.Context, tx *sql.Tx, table string, id int64, vals map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE entity_id = ?`, id); err != nil {
		return err
	}
	codes := make([]string, 0, len(vals))
	for c := range vals {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (entity_id, attribute_code, value) VALUES (?, ?, ?)`, id, c, vals[c]); err != nil {
			return err
		}
	}
	return nil
}

// loadValues reads the stored values of entity rows, by id.
func loadValues(ctx context.Context, q queryer, table string, ids []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	err := inChunks(ids, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, `SELECT entity_id, attribute_code, value FROM `+table+` WHERE entity_id IN (`+
			in+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var code, v string
			if err := rows.Scan(&id, &code, &v); err != nil {
				rows.Close()
				return err
			}
			if out[id] == nil {
				out[id] = map[string]string{}
			}
			out[id][code] = v
		}
		return db.CloseRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// loadSubscriptions reads which of the customers are subscribed to the
// newsletter.
func loadSubscriptions(ctx context.Context, q queryer, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := inChunks(ids, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, `SELECT customer_id FROM newsletter_subscriber WHERE subscriber_status = ? AND customer_id IN (`+
			in+`)`, append([]any{subscriberSubscribed}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			out[id] = true
		}
		return db.CloseRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// subscription reads extension_attributes.is_subscribed of a body: set
// reports whether the body says, subscribed what
// (Magento\Newsletter\Model\Plugin\CustomerPlugin::afterSave: true
// subscribes, false unsubscribes, absent keeps).
func subscription(f webapi.Fields) (subscribed, set bool) {
	ext := f.Sub("extension_attributes")
	if ext == nil || !ext.Has("is_subscribed") {
		return false, false
	}
	return ext.Flag("is_subscribed"), true
}

// saveSubscription stores a customer's newsletter subscription.
func saveSubscription(ctx context.Context, tx *sql.Tx, id int64, subscribed bool) error {
	status := subscriberUnsubscribed
	if subscribed {
		status = subscriberSubscribed
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO newsletter_subscriber (customer_id, subscriber_status) VALUES (?, ?)
		ON CONFLICT (customer_id) DO UPDATE SET subscriber_status = excluded.subscriber_status`, id, status)
	return err
}

// loadExtras reads the user-defined attribute values of customers and of
// their addresses and the customers' subscriptions.
func loadExtras(ctx context.Context, q queryer, recs []*customerRec) error {
	var ids, addrIDs []int64
	for _, r := range recs {
		ids = append(ids, r.ID)
		for _, a := range r.Addresses {
			addrIDs = append(addrIDs, a.ID)
		}
	}
	vals, err := loadValues(ctx, q, "customer_entity_value", ids)
	if err != nil {
		return err
	}
	addrVals, err := loadValues(ctx, q, "customer_address_entity_value", addrIDs)
	if err != nil {
		return err
	}
	subs, err := loadSubscriptions(ctx, q, ids)
	if err != nil {
		return err
	}
	for _, r := range recs {
		r.custom, r.subscribed = vals[r.ID], subs[r.ID]
		for i := range r.Addresses {
			r.Addresses[i].custom = addrVals[r.Addresses[i].ID]
		}
	}
	return nil
}
