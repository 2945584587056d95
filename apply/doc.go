// Package apply turns a desired state into a plan and executes it: it
// resolves what a manifest names against the store (website codes, region
// codes), reads the desired customers from the store in batches, diffs the
// two into a Plan, applies the plan concurrently and convergently, and
// writes the outputs file that later pipeline steps read.
//
// The package talks to the store only through the Remote interface, which
// magento.Client implements; it imports the root package, errgroup and the
// standard library, never magento, manifest or net/http.
//
// # Order of work
//
//	Resolve ─▶ Read ─▶ Diff / DestroyPlan ─▶ Apply ─▶ OutputsWriter
//
// Apply runs one level at a time, each with at most Options.Parallelism
// requests in flight:
//
//	level 1: deletes            (destroy plans)
//	level 2: creates, updates   (each followed by its customer's token)
//
// With Options.Bulk, level 2 runs its updates first and then its creates
// through the store's asynchronous bulk API, in rounds of Parallelism
// bulks (see bulk.go).
//
// # Rules
//
//   - Field ownership: only the fields a desired customer declares are
//     compared and sent; store defaults and fields set by people in the
//     admin never cause a diff. Passwords cannot be read back and are never
//     compared.
//   - Addresses are matched by normalised content (see address.go); remote
//     addresses that no desired address matches are kept and sent back with
//     their ids on update, because the store deletes what an update leaves
//     out.
//   - A create is never repeated blind: a conflict or an unknown outcome is
//     resolved by looking the email up first, and what exists is adopted.
//   - Workers never print or share state: each writes its own slot, and one
//     goroutine reports progress and records outputs.
//   - Secrets (passwords, tokens) never appear in plans, errors or
//     warnings; tokens go to the outputs file only, which is written with
//     mode 0600.
package apply
