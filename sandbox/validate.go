package sandbox

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mageseed/mageseed/directory"
)

// Password policy, Magento's defaults.
const (
	passwordMaxLength       = 256 // AccountManagement::MAX_PASSWORD_LENGTH
	passwordMinLength       = 8   // customer/password/minimum_password_length
	passwordRequiredClasses = 3   // customer/password/required_character_classes_number
)

// checkPasswordPolicy checks the password policy in Magento's order, then that
// the password differs from the email.
func checkPasswordPolicy(pass, email string) *apiError {
	n := utf8.RuneCountInString(pass)
	if n > passwordMaxLength {
		return newError(http.StatusBadRequest, "Please enter a password with at most %1 characters.", []any{strconv.Itoa(passwordMaxLength)})
	}
	if n < passwordMinLength {
		return newError(http.StatusBadRequest, "The password needs at least %1 characters. Create a new password and try again.", []any{strconv.Itoa(passwordMinLength)})
	}
	if strings.TrimSpace(pass) != pass {
		return newError(http.StatusBadRequest, "The password can't begin or end with a space. Verify the password and try again.", nil)
	}
	var digit, upper, lower, other bool
	for _, r := range pass {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{digit, upper, lower, other} {
		if b {
			classes++
		}
	}
	if classes < passwordRequiredClasses {
		return newError(http.StatusBadRequest, "Minimum of different classes of characters in password is %1. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
			[]any{strconv.Itoa(passwordRequiredClasses)})
	}
	if strings.EqualFold(pass, email) {
		return newError(http.StatusBadRequest, "The password can't be the same as the email address. Create a new password and try again.", nil)
	}
	return nil
}

// nameRE is Magento's name pattern (Validator\Name), anchored: Magento
// requires the whole value to match.
var nameRE = regexp.MustCompile(`^[\p{L}\p{M},\-_.'\s\d]{1,255}$`)

// emailRE accepts the addresses Magento's email validator accepts in
// practice: a dot-atom local part and a host name with a top-level domain.
var emailRE = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)

// telephoneRE is Magento's telephone pattern (2.4.8).
var telephoneRE = regexp.MustCompile(`^[\d\s+().\/ -]{1,20}$`)

func requiredValue(label string) *apiError {
	return newError(http.StatusBadRequest, `"%1" is a required value.`, []any{label})
}

// validateCustomer checks a customer's own fields as Magento's EAV and
// customer validators do, in their order, and normalises dob. The errors
// are one validator exception.
func validateCustomer(rec *customerRec, now time.Time) *apiError {
	var errs validatorErrors
	if strings.TrimSpace(rec.Firstname) == "" {
		errs.add(requiredValue("First Name"))
	}
	if strings.TrimSpace(rec.Lastname) == "" {
		errs.add(requiredValue("Last Name"))
	}
	for _, n := range []struct{ label, value string }{
		{"First Name", rec.Firstname}, {"Last Name", rec.Lastname}, {"Middle Name", rec.Middlename},
	} {
		if n.value != "" && !nameRE.MatchString(n.value) {
			errs.add(newError(http.StatusBadRequest, n.label+" is not valid!", nil))
		}
	}
	if !emailRE.MatchString(rec.Email) {
		errs.add(newError(http.StatusBadRequest, `"Email" is not a valid email address.`, nil))
	}
	if rec.Dob != "" {
		d, ok := parseDate(rec.Dob)
		switch {
		case !ok:
			errs.add(inputError(msgInvalidValue, map[string]any{"fieldName": "dob", "value": rec.Dob}))
		case d.After(now):
			errs.add(newError(http.StatusBadRequest, "The Date of Birth should not be greater than today.", nil))
		default:
			rec.Dob = d.Format("2006-01-02")
		}
	}
	return errs.err()
}

// parseDate reads a date as Magento accepts one for dob.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", timeLayout, time.RFC3339, "01/02/2006", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// addressFromFields reads an address's fields. It does not validate them.
func addressFromFields(af fields) addressRec {
	a := addressRec{
		ID:              mustNum(af, "id"),
		Firstname:       af.str("firstname"),
		Lastname:        af.str("lastname"),
		Middlename:      af.str("middlename"),
		Prefix:          af.str("prefix"),
		Suffix:          af.str("suffix"),
		Company:         af.str("company"),
		Fax:             af.str("fax"),
		VatID:           af.str("vat_id"),
		City:            af.str("city"),
		CountryID:       strings.ToUpper(af.str("country_id")),
		Postcode:        af.str("postcode"),
		Telephone:       af.str("telephone"),
		defaultBilling:  af.flag("default_billing"),
		defaultShipping: af.flag("default_shipping"),
	}
	if st, ok := af["street"].([]string); ok {
		a.Street = st
	}
	a.RegionID = mustNum(af, "region_id")
	if rg := af.sub("region"); rg != nil {
		if a.RegionID == 0 {
			a.RegionID = mustNum(rg, "region_id")
		}
		a.regionCode = rg.str("region_code")
		a.Region = rg.str("region")
	}
	return a
}

func mustNum(f fields, name string) int64 {
	n, _ := f.num(name)
	return n
}

// validateAddress checks an address as Magento does and resolves its
// region against the directory. With eav set (createAccount) the missing
// attribute values are reported first, as the EAV validator's
// `"%1" is a required value.`; otherwise (repository saves) as the address
// validator's `"%fieldName" is required.`.
func validateAddress(a *addressRec, eav bool) *apiError {
	var errs inputErrors
	street1 := ""
	if len(a.Street) > 0 {
		street1 = strings.TrimSpace(a.Street[0])
	}
	country, known := directory.Lookup(a.CountryID)
	if eav {
		var verrs validatorErrors
		for _, f := range []struct{ label, value string }{
			{"First Name", a.Firstname}, {"Last Name", a.Lastname}, {"Street Address", street1},
			{"City", a.City}, {"Country", a.CountryID}, {"Phone Number", a.Telephone},
		} {
			if strings.TrimSpace(f.value) == "" {
				verrs.add(requiredValue(f.label))
			}
		}
		if e := verrs.err(); e != nil {
			return e
		}
	}
	for _, f := range []struct{ name, value string }{
		{"firstname", a.Firstname}, {"lastname", a.Lastname}, {"street", street1},
		{"city", a.City}, {"telephone", a.Telephone},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs.add(requiredError(f.name))
		}
	}
	if strings.TrimSpace(a.Postcode) == "" && !(known && country.PostcodeOptional) {
		errs.add(requiredError("postcode"))
	}
	if a.Telephone != "" && !telephoneRE.MatchString(a.Telephone) {
		errs.add(newError(http.StatusBadRequest, "Invalid Phone Number. Please use 0-9, +, -, (, ), ., / and space.", nil))
	}
	switch {
	case a.CountryID == "":
		errs.add(requiredError("countryId"))
	case !known:
		errs.add(inputError(msgInvalidValue, map[string]any{"fieldName": "countryId", "value": a.CountryID}))
	default:
		a.CountryID = country.ID
		if e := resolveRegion(a, country); e != nil {
			errs.add(e)
		}
	}
	return errs.err()
}

// resolveRegion fills the address's region from the directory: a region id
// must be one of the country's; without one, the region code or name is
// looked up. A country that requires a region and has a list needs a
// region id; one without a list needs the region's name.
func resolveRegion(a *addressRec, c directory.Country) *apiError {
	if len(c.Regions) == 0 {
		if a.Region == "" {
			a.Region = a.regionCode
		}
		a.RegionID = 0
		if c.StateRequired && strings.TrimSpace(a.Region) == "" {
			return requiredError("region")
		}
		return nil
	}
	if a.RegionID == 0 {
		if r, ok := c.RegionByCode(a.regionCode); ok && a.regionCode != "" {
			a.RegionID = int64(r.ID)
		} else if r, ok := c.RegionByName(a.Region); ok && a.Region != "" {
			a.RegionID = int64(r.ID)
		}
	}
	if a.RegionID != 0 {
		r, ok := c.RegionByID(int(a.RegionID))
		if !ok {
			return inputError(msgInvalidValue, map[string]any{"fieldName": "regionId", "value": strconv.FormatInt(a.RegionID, 10)})
		}
		a.Region = r.Name
		return nil
	}
	if c.StateRequired {
		return requiredError("regionId")
	}
	return nil
}
