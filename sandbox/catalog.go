package sandbox

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/magento"
)

// countryData returns a directory country as Magento answers it: region ids
// as strings, available_regions absent for countries without a list.
func countryData(c directory.Country) magento.CountryData {
	out := magento.CountryData{
		ID:                      c.ID,
		TwoLetterAbbreviation:   c.ID,
		ThreeLetterAbbreviation: c.ISO3,
		FullNameLocale:          c.Name,
		FullNameEnglish:         c.Name,
	}
	for _, r := range c.Regions {
		out.AvailableRegions = append(out.AvailableRegions, magento.RegionInfo{ID: strconv.Itoa(r.ID), Code: r.Code, Name: r.Name})
	}
	return out
}

// countries is GET /V1/directory/countries.
func (s *Sandbox) countries(c *call) (any, error) {
	cs := directory.Countries()
	out := make([]magento.CountryData, 0, len(cs))
	for _, co := range cs {
		out = append(out, countryData(co))
	}
	return out, nil
}

// country is GET /V1/directory/countries/:countryId.
func (s *Sandbox) country(c *call) (any, error) {
	co, ok := directory.Lookup(c.params["countryId"])
	if !ok {
		return nil, newError(http.StatusNotFound, "Requested country is not available.", nil)
	}
	return countryData(co), nil
}

// websites is GET /V1/store/websites: a plain array, the admin website
// included.
func (s *Sandbox) websites(c *call) (any, error) {
	out := make([]magento.WebsiteData, 0, len(s.dir.websites))
	for _, w := range s.dir.websites {
		out = append(out, magento.WebsiteData{ID: w.ID, Code: w.Code, Name: w.Name, DefaultGroupID: w.DefaultGroupID})
	}
	return out, nil
}

// storeViews is GET /V1/store/storeViews: a plain array, the admin store
// view included.
func (s *Sandbox) storeViews(c *call) (any, error) {
	out := make([]magento.StoreViewData, 0, len(s.dir.stores))
	for _, st := range s.dir.stores {
		out = append(out, magento.StoreViewData{ID: st.ID, Code: st.Code, Name: st.Name, WebsiteID: st.WebsiteID,
			StoreGroupID: st.GroupID, IsActive: st.IsActive})
	}
	return out, nil
}

// storeConfigs is GET /V1/store/storeConfigs, for every store view or the
// ones storeCodes[] names. URLs point at the sandbox itself.
func (s *Sandbox) storeConfigs(c *call) (any, error) {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + c.r.Host + "/"
	var want map[string]bool
	for k, vs := range c.r.URL.Query() {
		if k == "storeCodes" || strings.HasPrefix(k, "storeCodes[") {
			if want == nil {
				want = map[string]bool{}
			}
			for _, v := range vs {
				want[v] = true
			}
		}
	}
	out := []magento.StoreConfigData{}
	for _, st := range s.dir.stores {
		if want != nil && !want[st.Code] {
			continue
		}
		out = append(out, magento.StoreConfigData{
			ID: st.ID, Code: st.Code, WebsiteID: st.WebsiteID, Locale: "en_US",
			BaseCurrencyCode: "USD", DefaultDisplayCurrencyCode: "USD", Timezone: "UTC", WeightUnit: "lbs",
			BaseURL: base, BaseLinkURL: base, BaseStaticURL: base + "static/", BaseMediaURL: base + "media/",
			SecureBaseURL: base, SecureBaseLinkURL: base, SecureBaseStaticURL: base + "static/", SecureBaseMediaURL: base + "media/",
		})
	}
	return out, nil
}

func groupData(g groupRow) magento.GroupData {
	name := ""
	if g.TaxClassID == retailTaxClassID {
		name = retailTaxClassName
	}
	return magento.GroupData{ID: g.ID, Code: g.Code, TaxClassID: g.TaxClassID, TaxClassName: name}
}

// getGroup is GET /V1/customerGroups/:id.
func (s *Sandbox) getGroup(c *call) (any, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	g, ok := s.dir.customerGroup(int(id))
	if !ok {
		return nil, notFound("id", id)
	}
	return groupData(g), nil
}

// searchGroups is GET /V1/customerGroups/search.
func (s *Sandbox) searchGroups(c *call) (any, error) {
	cr, err := parseCriteria(c.r)
	if err != nil {
		return nil, err
	}
	where, args, err := cr.where(groupSearchColumns)
	if err != nil {
		return nil, err
	}
	order := cr.orderBy(groupSearchColumns, "customer_group_id")
	ctx := c.r.Context()
	var total int
	if err := s.db.r.QueryRowContext(ctx, "SELECT count(*) FROM customer_group"+where, args...).Scan(&total); err != nil {
		return nil, err
	}
	limit, offset := cr.page(total)
	rows, err := s.db.r.QueryContext(ctx, "SELECT customer_group_id, customer_group_code, tax_class_id FROM customer_group"+
		where+order+" LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	out := magento.GroupSearchResults{Items: []magento.GroupData{}, SearchCriteria: cr.echo, TotalCount: total}
	for rows.Next() {
		var g groupRow
		if err := rows.Scan(&g.ID, &g.Code, &g.TaxClassID); err != nil {
			rows.Close()
			return nil, err
		}
		out.Items = append(out.Items, groupData(g))
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return out, nil
}

// defaultGroup is GET /V1/customerGroups/default[/:storeId]: the group new
// accounts join (customer/create_account/default_group), the same for every
// store view of the sandbox.
func (s *Sandbox) defaultGroup(c *call) (any, error) {
	if _, ok := c.params["storeId"]; ok {
		id, err := pathID(c, "storeId")
		if err != nil {
			return nil, err
		}
		if _, ok := s.dir.store(int(id)); !ok {
			return nil, errStoreNotFound
		}
	}
	g, _ := s.dir.customerGroup(defaultGroupID)
	return groupData(g), nil
}
