package magento

import (
	"context"
	"net/http"

	"github.com/mageseed/mageseed"
)

// AttributeMetadataData is customer-data-attribute-metadata-interface, one
// attribute as GET /V1/attributeMetadata/customer and
// /V1/attributeMetadata/customerAddress list them.
//
// Its fields are in the order Magento's TypeCaster renders them, so the
// sandbox answers with the same key order.
type AttributeMetadataData struct {
	FrontendInput      string                `json:"frontend_input"`
	InputFilter        string                `json:"input_filter"`
	StoreLabel         string                `json:"store_label"`
	ValidationRules    []ValidationRuleData  `json:"validation_rules"`
	MultilineCount     int                   `json:"multiline_count"`
	Visible            bool                  `json:"visible"`
	Required           bool                  `json:"required"`
	DataModel          string                `json:"data_model"`
	Options            []AttributeOptionData `json:"options"`
	FrontendClass      string                `json:"frontend_class"`
	UserDefined        bool                  `json:"user_defined"`
	SortOrder          int                   `json:"sort_order"`
	FrontendLabel      string                `json:"frontend_label"`
	Note               string                `json:"note"`
	System             bool                  `json:"system"`
	BackendType        string                `json:"backend_type"`
	IsUsedInGrid       bool                  `json:"is_used_in_grid"`
	IsVisibleInGrid    bool                  `json:"is_visible_in_grid"`
	IsFilterableInGrid bool                  `json:"is_filterable_in_grid"`
	IsSearchableInGrid bool                  `json:"is_searchable_in_grid"`
	AttributeCode      string                `json:"attribute_code"`
}

// AttributeOptionData is customer-data-option-interface.
type AttributeOptionData struct {
	Label   string                `json:"label"`
	Value   string                `json:"value"`
	Options []AttributeOptionData `json:"options,omitempty"`
}

// ValidationRuleData is customer-data-validation-rule-interface.
type ValidationRuleData struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Metadata reads what the store says about its customer model: the
// attributes of customers (GET /V1/attributeMetadata/customer) and of
// addresses (GET /V1/attributeMetadata/customerAddress), the customer
// groups (GET /V1/customerGroups/search, every page), and the street lines
// (the street attribute's multiline_count). Three requests on a store with
// fewer than 1,000 groups. ShareScope and ConfirmRequired are left unknown:
// no admin route reads the configuration.
//
// A store that does not serve an attribute route (404: an older or
// stripped-down store) leaves that entity's attributes nil, unknown, and
// the street lines at 2.
func (c *Client) Metadata(ctx context.Context) (*mageseed.Metadata, error) {
	md := &mageseed.Metadata{}
	var err error
	if md.CustomerAttributes, err = c.attributeMetadata(ctx, "/V1/attributeMetadata/customer"); err != nil && mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		return nil, err
	}
	if md.AddressAttributes, err = c.attributeMetadata(ctx, "/V1/attributeMetadata/customerAddress"); err != nil && mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		return nil, err
	}
	if md.Groups, err = c.Groups(ctx); err != nil {
		return nil, err
	}
	md.StreetLines = 2
	if a := md.Attribute(true, "street"); a != nil && a.MultilineCount > 0 {
		md.StreetLines = a.MultilineCount
	}
	return md, nil
}

func (c *Client) attributeMetadata(ctx context.Context, path string) ([]mageseed.Attribute, error) {
	var list []AttributeMetadataData
	if err := c.do(ctx, &call{method: http.MethodGet, path: path}, &list); err != nil {
		return nil, err
	}
	out := make([]mageseed.Attribute, 0, len(list))
	for _, d := range list {
		out = append(out, attributeFromWire(d))
	}
	return out, nil
}

func attributeFromWire(d AttributeMetadataData) mageseed.Attribute {
	a := mageseed.Attribute{
		Code:           d.AttributeCode,
		Input:          d.FrontendInput,
		Label:          d.StoreLabel,
		Required:       d.Required,
		UserDefined:    d.UserDefined,
		System:         d.System,
		MultilineCount: d.MultilineCount,
	}
	if a.Label == "" {
		a.Label = d.FrontendLabel
	}
	var add func(opts []AttributeOptionData)
	add = func(opts []AttributeOptionData) {
		for _, o := range opts {
			if len(o.Options) > 0 {
				add(o.Options) // an option group: its options count
				continue
			}
			a.Options = append(a.Options, mageseed.Option{Label: o.Label, Value: o.Value})
		}
	}
	add(d.Options)
	for _, r := range d.ValidationRules {
		if a.Validation == nil {
			a.Validation = make(map[string]string, len(d.ValidationRules))
		}
		a.Validation[r.Name] = r.Value
	}
	return a
}

// EmailAvailable asks whether email is free on website websiteID (POST
// /V1/customers/isEmailAvailable). Since Magento 2.4.7 a store answers true
// for every email unless checkout/options/enable_guest_checkout_login is on
// (Magento\Customer\Model\AccountManagement::isEmailAvailable), so a true
// answer proves nothing by itself.
func (c *Client) EmailAvailable(ctx context.Context, email string, websiteID int) (bool, error) {
	var ok bool
	k := &call{
		method: http.MethodPost, path: "/V1/customers/isEmailAvailable",
		body:  map[string]any{"customerEmail": email, "websiteId": websiteID},
		retry: retryIdempotent,
	}
	if err := c.do(ctx, k, &ok); err != nil {
		return false, err
	}
	return ok, nil
}

// ShareScope tells how the store shares customer accounts, from a customer
// it holds (email, on website own) and another website: the store looks an
// email up on the given website only in website scope
// (Magento\Customer\Model\ResourceModel\Customer::loadByEmail), so asked
// whether the email is available on the other website, a store in global
// scope says no and one in website scope yes. It first asks about the
// customer's own website: a store that calls that email available does not
// answer truthfully (Magento 2.4.7's default), and the scope is "",
// unknown. One or two requests.
func (c *Client) ShareScope(ctx context.Context, email string, own, other int) (string, error) {
	ok, err := c.EmailAvailable(ctx, email, own)
	if err != nil || ok {
		return "", err
	}
	if ok, err = c.EmailAvailable(ctx, email, other); err != nil {
		return "", err
	}
	if ok {
		return mageseed.ShareWebsite, nil
	}
	return mageseed.ShareGlobal, nil
}
