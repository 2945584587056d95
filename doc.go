// Package mageseed holds the domain types that the rest of mageseed shares:
// customers and addresses (as a manifest declares them and as a store holds
// them) and the error codes every layer speaks. Magento's stock country and
// region directory is package directory.
//
// The package depends on the standard library only. Subpackages talk to each
// other in these terms:
//
//	manifest  reads YAML into []Customer (the desired state)
//	magento   reads and writes the store, returning Customer values
//	apply     diffs desired against remote and executes the plan
//	sandbox   a Magento-compatible store for tests and first runs
//	cmd       wires everything together
package mageseed
