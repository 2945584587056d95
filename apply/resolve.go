package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
)

// maxResolveErrors bounds how many resolution errors Resolve reports; a
// manifest with a systematic mistake would otherwise print thousands.
const maxResolveErrors = 20

// Resolve returns a copy of desired with every customer's WebsiteID filled
// from its website code (by the store's website list; "" means
// defaultWebsite, and a defaultWebsite of "" means the store's default
// website) and every address region's ID, Code and Name filled from the
// store's directory (one Regions call per country, cached).
//
// The admin website (id 0) is never a target. Unknown website codes and
// region codes are errors naming the customer and address keys; Resolve
// reports them all (up to a bound) in one error.
func Resolve(ctx context.Context, r Remote, desired []mageseed.Customer, defaultWebsite string) ([]mageseed.Customer, error) {
	websites, err := r.Websites(ctx)
	if err != nil {
		return nil, fmt.Errorf("list websites: %w", err)
	}
	byCode := make(map[string]mageseed.Website, len(websites))
	for _, w := range websites {
		byCode[strings.ToLower(w.Code)] = w
	}
	def, err := defaultWebsiteID(websites, byCode, defaultWebsite)
	if err != nil {
		return nil, err
	}

	regions := make(map[string][]directory.Region) // by upper-case country id
	var errs []error
	fail := func(err error) {
		if len(errs) < maxResolveErrors {
			errs = append(errs, err)
		} else if len(errs) == maxResolveErrors {
			errs = append(errs, errors.New("more errors not shown"))
		}
	}
	out := make([]mageseed.Customer, len(desired))
	for i := range desired {
		c := desired[i]
		switch code := strings.ToLower(strings.TrimSpace(c.Website)); {
		case code == "":
			if c.WebsiteID == 0 {
				c.WebsiteID = def
			}
		default:
			w, ok := byCode[code]
			switch {
			case !ok:
				fail(fmt.Errorf("customer %s: website %q is not in the store (it has %s)", c.Key, c.Website, websiteCodes(websites)))
			case w.ID == 0:
				fail(fmt.Errorf("customer %s: website %q is the admin website, which holds no customers", c.Key, c.Website))
			default:
				c.WebsiteID = w.ID
			}
		}
		if len(c.Addresses) > 0 {
			c.Addresses = slices.Clone(c.Addresses)
		}
		for j := range c.Addresses {
			a := &c.Addresses[j]
			if a.Region.IsZero() || a.CountryID == "" {
				continue
			}
			country := strings.ToUpper(strings.TrimSpace(a.CountryID))
			list, ok := regions[country]
			if !ok {
				list, err = r.Regions(ctx, country)
				switch {
				case mageseed.ErrorCode(err) == mageseed.ENOTFOUND:
					list = nil // the store does not offer the country
				case err != nil:
					return nil, fmt.Errorf("list regions of country %s: %w", country, err)
				case list == nil:
					list = []directory.Region{}
				}
				regions[country] = list
			}
			if list == nil {
				fail(fmt.Errorf("customer %s: address %s: country %s is not available in the store", c.Key, addressKey(a, j), country))
				continue
			}
			if err := resolveRegion(&a.Region, country, list); err != nil {
				fail(fmt.Errorf("customer %s: address %s: %w", c.Key, addressKey(a, j), err))
			}
		}
		out[i] = c
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// defaultWebsiteID returns the id of the website customers without a
// website code go to: the named one, else the store's default ("base" on a
// stock store, else the lowest non-admin id).
func defaultWebsiteID(websites []mageseed.Website, byCode map[string]mageseed.Website, code string) (int, error) {
	if code = strings.ToLower(strings.TrimSpace(code)); code != "" {
		w, ok := byCode[code]
		switch {
		case !ok:
			return 0, fmt.Errorf("resolve default website: website %q is not in the store (it has %s)", code, websiteCodes(websites))
		case w.ID == 0:
			return 0, fmt.Errorf("resolve default website: website %q is the admin website, which holds no customers", code)
		}
		return w.ID, nil
	}
	if w, ok := byCode["base"]; ok && w.ID != 0 {
		return w.ID, nil
	}
	best := 0
	for _, w := range websites {
		if w.ID > 0 && (best == 0 || w.ID < best) {
			best = w.ID
		}
	}
	if best == 0 {
		return 0, errors.New("resolve default website: the store lists no website besides admin")
	}
	return best, nil
}

func websiteCodes(websites []mageseed.Website) string {
	var codes []string
	for _, w := range websites {
		if w.ID != 0 {
			codes = append(codes, w.Code)
		}
	}
	if len(codes) == 0 {
		return "no website"
	}
	return strings.Join(codes, ", ")
}

// resolveRegion fills reg's id, code and name from a country's region list.
// A region given by id, code or name must be in the list when the country
// has one; for a country without a list, a region name is free text.
func resolveRegion(reg *mageseed.Region, country string, list []directory.Region) error {
	find := func(ok func(directory.Region) bool) (directory.Region, bool) {
		for _, dr := range list {
			if ok(dr) {
				return dr, true
			}
		}
		return directory.Region{}, false
	}
	var (
		dr    directory.Region
		found bool
		what  string
	)
	switch {
	case reg.ID != 0:
		dr, found = find(func(dr directory.Region) bool { return dr.ID == reg.ID })
		what = fmt.Sprintf("region id %d", reg.ID)
	case reg.Code != "":
		code := strings.TrimSpace(reg.Code)
		dr, found = find(func(dr directory.Region) bool { return strings.EqualFold(dr.Code, code) })
		what = fmt.Sprintf("region code %q", reg.Code)
	default:
		if len(list) == 0 {
			return nil // free text
		}
		name := normText(reg.Name)
		dr, found = find(func(dr directory.Region) bool { return normText(dr.Name) == name })
		what = fmt.Sprintf("region %q", reg.Name)
	}
	if !found {
		if len(list) == 0 {
			return fmt.Errorf("%s: the store has no region list for country %s (give the region by name)", what, country)
		}
		return fmt.Errorf("%s is not a region of country %s in the store", what, country)
	}
	*reg = mageseed.Region(dr)
	return nil
}

// Read finds the desired customers in the store, with their addresses: one
// FindCustomers call per website, with all of that website's emails (the
// Remote batches them). Customers not in the store are absent from the
// result.
func Read(ctx context.Context, r Remote, desired []mageseed.Customer) ([]mageseed.Customer, error) {
	return ReadWithProgress(ctx, r, desired, nil)
}

// readChunk is how many emails ReadWithProgress hands the Remote at once:
// ten of its requests, so that progress moves without costing a request.
const readChunk = 1000

// ReadWithProgress is Read that reports, after each chunk of emails, how
// many of the emails it has looked up (done) out of how many (total).
// progress may be nil.
func ReadWithProgress(ctx context.Context, r Remote, desired []mageseed.Customer, progress func(done, total int)) ([]mageseed.Customer, error) {
	emails := make(map[int][]string)
	var order []int
	seen := make(map[identity]bool, len(desired))
	for i := range desired {
		id := identityOf(&desired[i])
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := emails[id.website]; !ok {
			order = append(order, id.website)
		}
		emails[id.website] = append(emails[id.website], strings.TrimSpace(desired[i].Email))
	}
	var out []mageseed.Customer
	done, total := 0, len(seen)
	for _, w := range order {
		list := emails[w]
		for start := 0; start < len(list); start += readChunk {
			chunk := list[start:min(start+readChunk, len(list))]
			found, err := r.FindCustomers(ctx, w, chunk)
			if err != nil {
				return nil, fmt.Errorf("find %d customers of website %d: %w", len(list), w, err)
			}
			if err := checkConfirmations(ctx, r, found); err != nil {
				return nil, err
			}
			out = append(out, found...)
			done += len(chunk)
			if progress != nil {
				progress(done, total)
			}
		}
	}
	return out, nil
}

// ConfirmRemote is a Remote that can tell whether an account awaits email
// confirmation (GET /V1/customers/:id/confirm). magento.Client implements
// it.
type ConfirmRemote interface {
	// ConfirmationStatus returns the account confirmation status of
	// customer id: "account_confirmation_required", "account_confirmed" or
	// "account_confirmation_not_required".
	ConfirmationStatus(ctx context.Context, id int) (string, error)
}

// confirmationRequired is Magento's
// AccountManagementInterface::ACCOUNT_CONFIRMATION_REQUIRED.
const confirmationRequired = "account_confirmation_required"

// checkConfirmations asks the store about every found customer whose
// search answer holds a confirmation key: the key alone does not say the
// account awaits confirmation, since Magento keeps it when the store stops
// requiring confirmation, and signs such an account in
// (Magento\Customer\Model\AccountManagement::getConfirmationStatus and
// ::authenticate check the key and AccountConfirmation::isConfirmationRequired).
// A customer whose account is not awaiting confirmation loses its key.
// Customers without a key cost no request.
func checkConfirmations(ctx context.Context, r Remote, found []mageseed.Customer) error {
	cr, ok := r.(ConfirmRemote)
	if !ok {
		return nil
	}
	for i := range found {
		c := &found[i]
		if c.Confirmation == "" {
			continue
		}
		st, err := cr.ConfirmationStatus(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("read the confirmation status of customer %s (id %d): %w", c.Email, c.ID, err)
		}
		if st != confirmationRequired {
			c.Confirmation = ""
		}
	}
	return nil
}
