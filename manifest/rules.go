package manifest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Magento's rules for customer and address fields, checked
// offline so that a manifest fails before any request. Messages say what to
// do and never quote the value.

var (
	// nameRe is Magento's name rule (Customer\Model\Validator\Name).
	nameRe = regexp.MustCompile(`^[\p{L}\p{M},\-_.'\s\d]{1,255}$`)
	// phoneRe is Magento 2.4.8's telephone rule (Validator\Telephone).
	phoneRe = regexp.MustCompile(`^[\d\s+().\/ -]{1,20}$`)
	dateRe  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

const nameRule = "may hold only letters, digits, spaces and , - _ . ' (Magento's name rule)"

func nameProblem(s string) string {
	if nameRe.MatchString(s) {
		return ""
	}
	return nameRule
}

func phoneProblem(s string) string {
	if phoneRe.MatchString(s) {
		return ""
	}
	return "may hold only 0-9, +, -, (, ), ., / and spaces, at most 20 characters (Magento's telephone rule)"
}

// Password policy of a stock store: customer/password/minimum_password_length
// and required_character_classes_number.
const (
	passwordMin     = 8
	passwordMax     = 256
	passwordClasses = 3
)

// passwordProblem checks pw against Magento's password policy, in Magento's
// order.
func passwordProblem(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n > passwordMax:
		return fmt.Sprintf("password must be at most %d characters long", passwordMax)
	case n < passwordMin:
		return fmt.Sprintf("password needs at least %d characters", passwordMin)
	case strings.TrimSpace(pw) != pw:
		return "password must not begin or end with a space"
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < passwordClasses {
		return fmt.Sprintf("password needs at least %d of: lower case, upper case, digits, special characters", passwordClasses)
	}
	if email != "" && strings.EqualFold(pw, email) {
		return "password must not be the same as the email address"
	}
	return ""
}

// emailProblem checks the form of an email address: a local part and a
// domain with at least two labels, as Magento's validator accepts them.
func emailProblem(s string) string {
	const how = "is not a valid email address: write it like jane@example.com"
	if len(s) > 254 {
		return "is longer than 254 characters"
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(local) > 64 {
		return how
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return how
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r) || r >= 0x80) {
			return how
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return how
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return how
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r >= 0x80) {
				return how
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return how
	}
	return ""
}

// dobProblem checks a date of birth: YYYY-MM-DD, a real date, not in the
// future.
func dobProblem(s string, now time.Time) string {
	if !dateRe.MatchString(s) {
		return "must be a date written YYYY-MM-DD, like 1990-01-31"
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return "is not a real date: check the month and the day"
	}
	if t.After(now) {
		return "must not be in the future"
	}
	return ""
}
