package firn

import "context"

type principalKey struct{}

type secureTransportKey struct{}

// WithPrincipal returns a context that carries the caller's identity, an IAM
// ARN such as "arn:aws:iam::111122223333:user/alice" or
// "arn:aws:iam::111122223333:root". Access policies and vault lock policies
// are evaluated against it. A context without a principal is the root of the
// account named in the request.
func WithPrincipal(ctx context.Context, arn string) context.Context {
	return context.WithValue(ctx, principalKey{}, arn)
}

// PrincipalFrom returns the principal ARN carried by ctx, if any.
func PrincipalFrom(ctx context.Context) (string, bool) {
	arn, ok := ctx.Value(principalKey{}).(string)
	return arn, ok && arn != ""
}

// WithSecureTransport returns a context recording whether the request arrived
// over TLS, the value of the aws:SecureTransport policy condition key.
// Without it, in-process calls count as secure.
func WithSecureTransport(ctx context.Context, secure bool) context.Context {
	return context.WithValue(ctx, secureTransportKey{}, secure)
}

// SecureTransportFrom reports the value recorded by WithSecureTransport, or
// true when none was.
func SecureTransportFrom(ctx context.Context) bool {
	secure, ok := ctx.Value(secureTransportKey{}).(bool)
	return !ok || secure
}
