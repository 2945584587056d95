package magento

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
)

// customerFromWire converts a customer as the store sends it into the
// domain type. Fields the store leaves out stay nil; the default billing and
// shipping ids also mark the matching addresses.
func customerFromWire(d CustomerData) mageseed.Customer {
	c := mageseed.Customer{
		ID:         d.ID,
		Email:      d.Email,
		Firstname:  d.Firstname,
		Lastname:   d.Lastname,
		Middlename: optString(d.Middlename),
		Prefix:     optString(d.Prefix),
		Suffix:     optString(d.Suffix),
		Dob:        optString(dateOnly(d.Dob)),
		Taxvat:     optString(d.Taxvat),
		Gender:     copyInt(d.Gender),
		GroupID:    copyInt(d.GroupID),
		StoreID:    copyInt(d.StoreID),
	}
	if d.WebsiteID != nil {
		c.WebsiteID = *d.WebsiteID
	}
	c.Confirmation = d.Confirmation
	if d.ExtensionAttributes != nil && d.ExtensionAttributes.IsSubscribed != nil {
		b := *d.ExtensionAttributes.IsSubscribed
		c.IsSubscribed = &b
	}
	c.CustomAttributes = attributesFromWire(d.CustomAttributes)
	c.DefaultBilling, _ = strconv.Atoi(d.DefaultBilling)
	c.DefaultShipping, _ = strconv.Atoi(d.DefaultShipping)
	if len(d.Addresses) > 0 {
		c.Addresses = make([]mageseed.Address, 0, len(d.Addresses))
	}
	for _, ad := range d.Addresses {
		a := addressFromWire(ad)
		if a.ID != 0 && a.ID == c.DefaultBilling {
			a.DefaultBilling = true
		}
		if a.ID != 0 && a.ID == c.DefaultShipping {
			a.DefaultShipping = true
		}
		if a.DefaultBilling && c.DefaultBilling == 0 {
			c.DefaultBilling = a.ID
		}
		if a.DefaultShipping && c.DefaultShipping == 0 {
			c.DefaultShipping = a.ID
		}
		c.Addresses = append(c.Addresses, a)
	}
	return c
}

func addressFromWire(d AddressData) mageseed.Address {
	a := mageseed.Address{
		ID:         d.ID,
		Firstname:  d.Firstname,
		Lastname:   d.Lastname,
		Street:     d.Street,
		City:       d.City,
		CountryID:  d.CountryID,
		Postcode:   d.Postcode,
		Telephone:  d.Telephone,
		Middlename: optString(d.Middlename),
		Prefix:     optString(d.Prefix),
		Suffix:     optString(d.Suffix),
		Company:    optString(d.Company),
		Fax:        optString(d.Fax),
		VatID:      optString(d.VatID),
	}
	a.CustomAttributes = attributesFromWire(d.CustomAttributes)
	if d.Region != nil {
		a.Region = mageseed.Region{ID: d.Region.RegionID, Code: d.Region.RegionCode, Name: d.Region.Region}
	}
	if d.RegionID != nil && *d.RegionID != 0 {
		a.Region.ID = *d.RegionID
	}
	if d.DefaultBilling != nil {
		a.DefaultBilling = *d.DefaultBilling
	}
	if d.DefaultShipping != nil {
		a.DefaultShipping = *d.DefaultShipping
	}
	return a
}

// customerToWire converts a domain customer into the body of a create or
// update. It sends the identity (email, website), the names, the optional
// fields the caller set and every address given. Default billing and
// shipping go as flags on the addresses; when no address carries a flag,
// the customer's default ids go along so that the store keeps them.
func customerToWire(c mageseed.Customer) CustomerData {
	d := CustomerData{
		ID:         c.ID,
		Email:      c.Email,
		Firstname:  c.Firstname,
		Lastname:   c.Lastname,
		Middlename: deref(c.Middlename),
		Prefix:     deref(c.Prefix),
		Suffix:     deref(c.Suffix),
		Dob:        deref(c.Dob),
		Taxvat:     deref(c.Taxvat),
		Gender:     copyInt(c.Gender),
		GroupID:    copyInt(c.GroupID),
		StoreID:    copyInt(c.StoreID),
	}
	if c.WebsiteID != 0 {
		d.WebsiteID = mageseed.Int(c.WebsiteID)
	}
	if c.IsSubscribed != nil {
		b := *c.IsSubscribed
		d.ExtensionAttributes = &CustomerExtension{IsSubscribed: &b}
	}
	d.CustomAttributes = attributesToWire(c.CustomAttributes)
	billingFlag, shippingFlag := false, false
	for _, a := range c.Addresses {
		billingFlag = billingFlag || a.DefaultBilling
		shippingFlag = shippingFlag || a.DefaultShipping
	}
	if len(c.Addresses) > 0 {
		d.Addresses = make([]AddressData, 0, len(c.Addresses))
	}
	ids := make(map[int]bool, len(c.Addresses))
	for _, a := range c.Addresses {
		d.Addresses = append(d.Addresses, addressToWire(a))
		if a.ID != 0 {
			ids[a.ID] = true
		}
	}
	if !billingFlag && c.DefaultBilling != 0 && ids[c.DefaultBilling] {
		d.DefaultBilling = strconv.Itoa(c.DefaultBilling)
	}
	if !shippingFlag && c.DefaultShipping != 0 && ids[c.DefaultShipping] {
		d.DefaultShipping = strconv.Itoa(c.DefaultShipping)
	}
	return d
}

func addressToWire(a mageseed.Address) AddressData {
	d := AddressData{
		ID:         a.ID,
		CountryID:  a.CountryID,
		Street:     a.Street,
		Company:    deref(a.Company),
		Telephone:  a.Telephone,
		Fax:        deref(a.Fax),
		Postcode:   a.Postcode,
		City:       a.City,
		Firstname:  a.Firstname,
		Lastname:   a.Lastname,
		Middlename: deref(a.Middlename),
		Prefix:     deref(a.Prefix),
		Suffix:     deref(a.Suffix),
		VatID:      deref(a.VatID),

		CustomAttributes: attributesToWire(a.CustomAttributes),
	}
	if !a.Region.IsZero() {
		d.Region = &RegionData{RegionCode: a.Region.Code, Region: a.Region.Name, RegionID: a.Region.ID}
		if a.Region.ID != 0 {
			d.RegionID = mageseed.Int(a.Region.ID)
		}
	}
	if a.DefaultBilling {
		d.DefaultBilling = new(bool)
		*d.DefaultBilling = true
	}
	if a.DefaultShipping {
		d.DefaultShipping = new(bool)
		*d.DefaultShipping = true
	}
	return d
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	n := *p
	return &n
}

// dateOnly keeps the date of a Magento date or datetime ("1990-01-31" or
// "1990-01-31 00:00:00").
func dateOnly(s string) string {
	if d, _, ok := strings.Cut(s, " "); ok {
		return d
	}
	return s
}

// attributesFromWire converts custom attribute values as a store sends them
// (strings; numbers, booleans and lists from some modules) into the
// store's text form. Attributes without a value are left out.
func attributesFromWire(list []CustomAttribute) map[string]mageseed.AttributeValue {
	if len(list) == 0 {
		return nil
	}
	out := make(map[string]mageseed.AttributeValue, len(list))
	for _, ca := range list {
		if ca.AttributeCode == "" || ca.Value == nil {
			continue
		}
		out[ca.AttributeCode] = mageseed.AttributeValue{Value: attributeText(ca.Value)}
	}
	return out
}

// attributeText renders one decoded JSON value as Magento stores it:
// booleans as 1 and 0, lists comma-joined.
func attributeText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, 0, len(x))
		for _, item := range x {
			parts = append(parts, attributeText(item))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// attributesToWire lists custom attribute values for a request, sorted by
// code. A value is never null: a store treats null as no value, and a
// required attribute then fails.
func attributesToWire(m map[string]mageseed.AttributeValue) []CustomAttribute {
	if len(m) == 0 {
		return nil
	}
	codes := make([]string, 0, len(m))
	for code := range m {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	out := make([]CustomAttribute, 0, len(codes))
	for _, code := range codes {
		v := m[code]
		val := v.Value
		if val == "" && len(v.List) > 0 {
			val = strings.Join(v.List, ",")
		}
		out = append(out, CustomAttribute{AttributeCode: code, Value: val})
	}
	return out
}
