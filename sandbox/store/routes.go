package store

import (
	"strings"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// websitesRoute is GET /V1/store/websites: a plain array, the admin website
// included.
func (s *Manager) websitesRoute(c *webapi.Call) (any, error) {
	out := make([]magento.WebsiteData, 0, len(s.websites))
	for _, w := range s.websites {
		out = append(out, magento.WebsiteData{ID: w.ID, Code: w.Code, Name: w.Name, DefaultGroupID: w.DefaultGroupID})
	}
	return out, nil
}

// storeViews is GET /V1/store/storeViews: a plain array, the admin store
// view included.
func (s *Manager) storeViews(c *webapi.Call) (any, error) {
	out := make([]magento.StoreViewData, 0, len(s.stores))
	for _, st := range s.stores {
		out = append(out, magento.StoreViewData{ID: st.ID, Code: st.Code, Name: st.Name, WebsiteID: st.WebsiteID,
			StoreGroupID: st.GroupID, IsActive: st.IsActive})
	}
	return out, nil
}

// storeConfigs is GET /V1/store/storeConfigs, for every store view or the
// ones storeCodes[] names. URLs point at the sandbox itself.
func (s *Manager) storeConfigs(c *webapi.Call) (any, error) {
	scheme := "http"
	if c.R.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + c.R.Host + "/"
	var want map[string]bool
	for k, vs := range c.R.URL.Query() {
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
	for _, st := range s.stores {
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
