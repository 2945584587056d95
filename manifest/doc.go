// Package manifest reads mageseed manifests: YAML files that declare
// customers and their addresses. Load validates them offline and returns the
// desired state as []mageseed.Customer; it never touches the network.
//
// # Format
//
// A manifest is a mapping with the keys version (1, optional), store,
// defaults, customers and generate, as schemas/manifest.schema.json defines
// them (mageseed schema prints it); keys that start with x- are ignored and
// are a place for YAML anchors. Customer and address fields are those of
// POST /V1/customers in camelCase, as in Adobe's REST tutorial, plus password,
// token and website (a website code). Several files, directories (their
// *.yaml and *.yml files in name order) and "-" (standard input) merge into
// one manifest: customer keys and (email, website) pairs must be unique
// across all of them, emails compared without regard to case, and the files'
// store sections must agree.
//
// Decisions the schema alone does not say:
//
//   - addresses is a mapping from address key to address, or a list as in
//     the REST payload, whose addresses get the keys address-1, address-2,
//     and so on.
//   - An address without firstname or lastname takes the customer's.
//   - street may be a single string, which is one line.
//   - A region is {regionCode, regionId, region} or any part of it, which
//     must agree with each other and with Magento's stock directory for the
//     country (directory.Lookup); regionId may also be given beside
//     region, as region_id is in the payload. A regionId is an integer or a
//     string of digits; both mean the integer. The region is returned as
//     declared: the id of a code is resolved against the store later.
//   - defaults are merged into every customer and generator of the same
//     document; a customer's own value wins.
//   - Text fields (names, email, password, street, city, postcode,
//     telephone, taxvat, vatId, regionCode, ...) keep what is written even
//     when it looks like a number or a date: postcode: 02108 is "02108".
//
// # Interpolation
//
// ${NAME} and ${NAME:-default} in scalar values (never keys) are replaced
// with environment variables before validation; $${ is a literal ${. As in
// the shell, :- also replaces a variable that is set but empty. An unset
// variable without a default is an error at its value that names it. A
// quoted scalar stays a string; a plain scalar that is exactly one reference
// takes the type its value would have if written there (groupId: ${GROUP}
// with GROUP=2 is the integer 2; true and false become booleans); anything
// else is a string. Every non-empty value taken from the environment, and
// every password, is in Manifest.Secrets, for masking; error messages never
// show values, only where they are.
//
// # Generators
//
// Each generate entry expands to count customers (at most 100,000; 200,000
// for all generators of a manifest together) keyed <key>-0001 and so on
// (zero-padded to the width of count, at least 4 digits), with email
// <key>-{n}@example.test unless given. Every generated value is a function of
// (seed, number, field) alone: each field hashes the triple (FNV-1a,
// finished with splitmix64) into its own random source, so adding a field
// never changes another, and the same seed gives byte-identical customers on
// every run and machine. Names come from fixed lists; streets, cities,
// postcodes and telephones follow a per-country shape; regions come from the
// directory's list for the country.
//
// # Errors and limits
//
// Load collects every problem (up to 1,000, then it stops and says so) and
// returns them as Errors, sorted by file, line and column, each with the
// field's path:
//
//	customers.yaml:12:9: customers.jane.email: is not a valid email address: write it like jane@example.com
//
// Input is checked before it can cost much: each input is at most
// Options.MaxBytes (DefaultMaxBytes, 64 MiB, by default), must be UTF-8
// without control characters, and may hold at most about 2.5 million YAML
// values. Anchors and aliases may expand to at most 20,000 values per
// customer (or per other section), a document may nest at most 32 levels,
// and a scalar may be at most 64 KiB. Large block-style files are parsed one
// customer at a time, so memory stays near the size of the result: 100,000
// customers with an address each load in a few seconds within a few hundred
// megabytes (BenchmarkValidate100k).
package manifest
