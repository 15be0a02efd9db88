// Package policy parses and evaluates the IAM policy language subset that
// Amazon S3 Glacier uses for vault access policies and vault lock policies.
//
// [Parse] validates a document when it is set (SetVaultAccessPolicy,
// InitiateVaultLock); every rejection is an InvalidParameterValueException
// naming the offending element. [Policy.Evaluate] decides one policy for one
// [Request]; [Authorize] combines a vault's lock and access policies the way
// Glacier does. The package is pure: no I/O, no clock (the time is in the
// Request), and a parsed Policy is immutable and safe for concurrent use.
//
// # Supported
//
// Document:
//   - a JSON object of at most 20,480 bytes ([MaxSize]); duplicate keys in
//     any object are rejected.
//   - Version: optional, "2012-10-17" or "2008-10-17" (they behave alike).
//   - Id: optional string, ignored.
//   - Statement: one statement object or a non-empty list of them.
//
// Statement:
//   - Sid: optional string, used to name the statement in errors.
//   - Effect: "Allow" or "Deny" (case-sensitive), required.
//   - Principal, required: "*", or {"AWS": V} where V is a string or a list of
//     "*" (anyone), a 12-digit account ID or the account's root ARN
//     arn:PARTITION:iam::ACCOUNT:root (any principal of that account), or
//     another IAM or STS ARN (matched exactly, case-sensitively).
//   - exactly one of Action and NotAction: a string or a non-empty list of
//     "*" or "glacier:NAME", where NAME is one of the 33 Glacier operations
//     or a pattern with wildcards * (any run) and ? (one character);
//     matched case-insensitively against "glacier:" + the operation name.
//   - exactly one of Resource and NotResource: a string or a non-empty list
//     of "*" or ARNs arn:partition:service:region:account:resource, with
//     wildcards * and ?, matched case-sensitively against the vault ARN.
//   - Condition: optional, {OPERATOR: {KEY: VALUE or [VALUE, ...]}}; values
//     may be JSON strings, numbers or booleans (365 and "365" are alike).
//
// Condition operators (names case-sensitive), each also with the IfExists
// suffix except Null:
//   - StringEquals, StringNotEquals, StringEqualsIgnoreCase,
//     StringNotEqualsIgnoreCase, StringLike, StringNotLike (* and ?).
//   - NumericEquals, NumericNotEquals, NumericLessThan,
//     NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals;
//     values are decimals such as 365, -2 or 1.5 (no exponents).
//   - DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals,
//     DateGreaterThan, DateGreaterThanEquals; values are epoch seconds or
//     ISO 8601: 2006-01-02T15:04:05Z (optional fraction, any offset; no
//     offset means UTC), 2006-01-02T15:04Z, 20060102T150405Z or 2006-01-02.
//   - Bool; values "true" or "false" (any case).
//   - ArnEquals, ArnLike, ArnNotEquals, ArnNotLike; both Equals and Like
//     match each of the six colon-separated ARN fields with wildcards.
//   - Null; values "true" (the key is absent) or "false" (it is present).
//
// Condition keys (names case-insensitive) and the operators they take:
//   - glacier:ArchiveAgeInDays: Numeric*, String*, Null. Whole days since the
//     archive was created ([AgeInDays]), present only for DeleteArchive and
//     archive-retrieval InitiateJob.
//   - glacier:ResourceTag/KEY: String*, Null. The vault's tag KEY; the key
//     is matched case-insensitively, an exact-case tag winning.
//   - aws:PrincipalArn: Arn*, String*, Null. The caller's ARN.
//   - aws:PrincipalAccount: String*, Null. The caller's account.
//   - aws:CurrentTime: Date*, String*, Null. The request time, at one-second
//     resolution; as a string, 2006-01-02T15:04:05Z in UTC.
//   - aws:SecureTransport: Bool, String*, Null. Whether the request came
//     over TLS; as a string, "true" or "false".
//
// Condition semantics are IAM's: all operators of a statement and all keys
// of an operator must hold; the values of one key are ORed (NORed for the
// negated operators String/Numeric/DateNotEquals, StringNotEqualsIgnoreCase,
// StringNotLike, ArnNotEquals, ArnNotLike). A key absent from the request
// makes an operator false, except negated operators (true), ...IfExists
// operators (true) and Null (which tests presence).
//
// Within a policy an applicable Deny wins over an applicable Allow. Across a
// vault's policies, [Authorize] denies on a Deny in either policy for every
// caller, owner included; otherwise allows the owning account; otherwise
// allows another account only with an Allow in either policy.
//
// # Rejected
//
// Parse rejects, naming what it found: NotPrincipal; principal types other
// than "AWS" (Service, Federated, CanonicalUser); wildcards in principals
// other than a lone "*"; actions of other services or unknown Glacier
// actions without wildcards; the set operators ForAnyValue: and
// ForAllValues:; every other condition operator (IpAddress, Binary*, ...)
// and key (aws:SourceIp, aws:username, ...); an operator used with a key of
// another type (NumericEquals on aws:PrincipalArn, say); values that do not
// parse for their operator; empty lists and empty condition blocks; and any
// other element. Policy variables such as ${aws:username} are not expanded:
// they are matched literally.
package policy
