// Package vault holds the rules of Glacier vaults as plain values and pure
// functions: vault names, ARNs and locations, tags, notification
// configurations, archive descriptions and the size rule of policy
// documents. It does no I/O and reads no clock; every rule returns a
// *firn.Error whose message names the offending field.
package vault
