package customer

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Config is a store's EAV setup and groups, the part of a customised store
// that is not a configuration value (those are Module.Config). The zero
// value is a stock Magento 2.4.8 store.
type Config struct {
	// CustomerAttributes and AddressAttributes are user-defined attributes
	// of the customer and customer_address entities.
	CustomerAttributes, AddressAttributes []AttributeSpec
	// Groups are customer groups the store has; New creates the ones whose
	// code no group has.
	Groups []GroupSpec
	// TaxClasses are customer tax classes besides the stock Retail
	// Customer (3).
	TaxClasses []TaxClass
}

// AttributeSpec is a user-defined EAV attribute.
type AttributeSpec struct {
	Code            string
	Input           string // text (""), textarea, select, multiselect, date, boolean
	Label           string // "" means the code in title case
	Required        bool
	MinLength       int    // text, textarea: validate_rules min_text_length
	MaxLength       int    // text, textarea: validate_rules max_text_length
	InputValidation string // text, textarea: validate_rules input_validation; "" means "length" when a length is set
	Options         []string
	SortOrder       int // 0 means 100 plus the position in its list
}

// GroupSpec is a customer group.
type GroupSpec struct {
	Code       string
	TaxClassID int // 0 means 3
}

// TaxClass is a customer tax class.
type TaxClass struct {
	ID   int
	Name string
}

// Limits of the configuration values.
const (
	MaxStreetLines     = 20 // customer/address/street_lines: the config field's digits-range-1-20
	groupCodeMaxLength = 32 // Customer\Model\Group::GROUP_CODE_MAX_LENGTH
	firstOptionID      = 4  // eav_attribute_option ids after the stock gender options 1..3
)

// attributeInputs are the inputs a user-defined attribute may have, with
// the backend type Magento gives them.
var attributeInputs = map[string]string{
	"text": "varchar", "textarea": "text", "select": "int", "multiselect": "varchar", "date": "datetime", "boolean": "int",
}

// AttributeInputs lists the inputs a user-defined attribute may have.
func AttributeInputs() []string {
	out := make([]string, 0, len(attributeInputs))
	for k := range attributeInputs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Entity types, as the profile names them.
const (
	EntityCustomer = entityCustomer
	EntityAddress  = entityAddress
)

// IsStockAttribute reports whether code is one of Magento's stock
// attributes of the entity (EntityCustomer or EntityAddress).
func IsStockAttribute(entity, code string) bool {
	return stockCodes(entity)[code]
}

// eavSetup is the module's user-defined attributes, built once from
// Config.
type eavSetup struct {
	// custom are the user-defined attributes by entity, in metadata order.
	custom map[string][]*attribute
}

func newEAVSetup(cfg Config) eavSetup {
	next := firstOptionID
	e := eavSetup{custom: map[string][]*attribute{
		entityCustomer: profileAttributes(cfg.CustomerAttributes, profileCustomerForms, &next),
		entityAddress:  profileAttributes(cfg.AddressAttributes, profileAddressForms, &next),
	}}
	for _, as := range e.custom {
		sortAttributes(as)
	}
	return e
}

// customAttribute returns the user-defined attribute code of the entity.
func (e *eavSetup) customAttribute(entity, code string) (*attribute, bool) {
	for _, a := range e.custom[entity] {
		if a.Code == code {
			return a, true
		}
	}
	return nil, false
}

// configure applies the attributes, groups and tax classes of the
// configuration: it creates the groups whose code no group has, and checks
// that global account sharing (Module.Config) is possible.
func (m *Module) configure(ctx context.Context, cfg Config) error {
	m.taxClasses = map[int]string{retailTaxClassID: retailTaxClassName}
	for _, t := range cfg.TaxClasses {
		if t.ID <= retailTaxClassID {
			return fmt.Errorf("tax class %d: ids 1 to 3 are Magento's stock tax classes", t.ID)
		}
		m.taxClasses[t.ID] = t.Name
	}
	for _, set := range []struct {
		entity string
		specs  []AttributeSpec
	}{{entityCustomer, cfg.CustomerAttributes}, {entityAddress, cfg.AddressAttributes}} {
		seen := map[string]bool{}
		for _, a := range set.specs {
			if err := checkAttribute(set.entity, a); err != nil {
				return err
			}
			if seen[a.Code] {
				return fmt.Errorf("%s attribute %q: defined twice", set.entity, a.Code)
			}
			seen[a.Code] = true
		}
	}
	err := m.db.Write(ctx, func(tx *sql.Tx) error {
		for _, g := range cfg.Groups {
			code := strings.TrimSpace(g.Code)
			if code == "" || len([]rune(code)) > groupCodeMaxLength {
				return fmt.Errorf("customer group %q: the code must have 1 to %d characters", g.Code, groupCodeMaxLength)
			}
			tax := g.TaxClassID
			if tax == 0 {
				tax = retailTaxClassID
			}
			if _, ok := m.taxClasses[tax]; !ok {
				return fmt.Errorf("customer group %q: tax class %d is not a customer tax class", g.Code, tax)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customer_group WHERE customer_group_code = ?`, code).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO customer_group (customer_group_code, tax_class_id) VALUES (?, ?)`, code, tax); err != nil {
				return err
			}
		}
		if !m.shareGlobal() {
			return nil
		}
		var dup int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT email FROM customer_entity GROUP BY email HAVING count(*) > 1)`).Scan(&dup)
		if err != nil {
			return err
		}
		if dup > 0 {
			return fmt.Errorf("account sharing: %s", msgShareDuplicates)
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.cfg = cfg
	m.eav = newEAVSetup(cfg)
	return nil
}

// checkAttribute checks a user-defined attribute of the entity: a code of
// Magento's form that is not a stock attribute's, a known input, options
// for the inputs that list them.
func checkAttribute(entity string, a AttributeSpec) error {
	in := a.Input
	if in == "" {
		in = "text"
	}
	listed := in == "select" || in == "multiselect"
	switch {
	case !attributeCodeRE.MatchString(a.Code):
		return fmt.Errorf("%s attribute %q: the code must be lower-case letters, digits and _ and start with a letter", entity, a.Code)
	case IsStockAttribute(entity, a.Code):
		return fmt.Errorf("%s attribute %q: a stock attribute has that code", entity, a.Code)
	case attributeInputs[in] == "":
		return fmt.Errorf("%s attribute %q: unknown input %q", entity, a.Code, a.Input)
	case listed && len(a.Options) == 0:
		return fmt.Errorf("%s attribute %q: a %s attribute needs options", entity, a.Code, in)
	case !listed && len(a.Options) > 0:
		return fmt.Errorf("%s attribute %q: options apply to select and multiselect attributes only", entity, a.Code)
	}
	return nil
}

// attributeCodeRE is the form of an attribute code.
var attributeCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,59}$`)

// msgShareDuplicates is Magento\Customer\Model\Config\Share::beforeSave's
// refusal to share accounts globally.
const msgShareDuplicates = "We can't share customer accounts globally when the accounts share identical email addresses on more than one website."

// titleCase turns an attribute code into a label: "loyalty_number" gives
// "Loyalty Number".
func titleCase(code string) string {
	words := strings.FieldsFunc(code, func(r rune) bool { return r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
