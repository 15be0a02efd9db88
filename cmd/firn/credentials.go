package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn/server"
	"github.com/firnstore/firn/vault"
)

const credentialsHelp = `The credentials file has the INI format of ~/.aws/credentials, one section
per access key, so an existing AWS credentials file works as is. Besides
aws_access_key_id and aws_secret_access_key, a section may name the key's
account (aws_account_id, 12 digits; default the server's --account) and
IAM identity (principal_arn, an ARN of that account evaluated by access and
vault lock policies; default the account root). Other keys are ignored.
Every key belongs to exactly one account: "-" in its request paths means
that account, and its requests for another account's vaults are
cross-account, allowed only by the vault's access policy.

  [alice]
  aws_access_key_id     = AKIAALICE
  aws_secret_access_key = alice-secret
  aws_account_id        = 111122223333
  principal_arn         = arn:aws:iam::111122223333:user/alice`

// iniSection is one [name] section of an INI file, in order of appearance.
type iniSection struct {
	name string
	line int
	keys map[string]string
}

// parseINI parses the INI dialect of AWS credentials files: [section]
// headers, key = value lines, comments starting with # or ;. Keys are
// case-insensitive.
func parseINI(r io.Reader) ([]iniSection, error) {
	var secs []iniSection
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: section header %q lacks its closing ]", n, line)
			}
			name := strings.TrimSpace(line[1 : len(line)-1])
			secs = append(secs, iniSection{name: strings.TrimPrefix(name, "profile "), line: n, keys: map[string]string{}})
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: expected key = value, got %q", n, line)
			}
			if len(secs) == 0 {
				return nil, fmt.Errorf("line %d: key %q before any [section]", n, strings.TrimSpace(k))
			}
			secs[len(secs)-1].keys[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return secs, sc.Err()
}

// loadServerCredentials reads a credentials file (see credentialsHelp) into
// the server's access key map, reporting every bad section at once. A key
// without aws_account_id is of account, the server's own.
func loadServerCredentials(path, account string) (map[string]server.Credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	secs, err := parseINI(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	creds := map[string]server.Credential{}
	var errs []error
	bad := func(s iniSection, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: [%s]: %s", path, s.line, s.name, fmt.Sprintf(format, args...)))
	}
	for _, s := range secs {
		id, secret := s.keys["aws_access_key_id"], s.keys["aws_secret_access_key"]
		acct, whose := s.keys["aws_account_id"], ""
		if acct == "" {
			acct, whose = account, " (--account; give aws_account_id)"
		}
		arn := s.keys["principal_arn"]
		switch {
		case id == "":
			bad(s, "aws_access_key_id is missing")
		case secret == "":
			bad(s, "aws_secret_access_key is missing")
		case !vault.IsAccountID(acct):
			bad(s, "aws_account_id %q is not 12 digits", acct)
		case arn != "" && !strings.HasPrefix(arn, "arn:"):
			bad(s, "principal_arn %q is not an ARN", arn)
		case arn != "" && arnAccount(arn) != acct:
			bad(s, "principal_arn %s is not of account %s%s", arn, acct, whose)
		default:
			if _, dup := creds[id]; dup {
				bad(s, "access key %s appears twice", id)
				continue
			}
			creds[id] = server.Credential{SecretKey: secret, AccountID: acct, PrincipalARN: arn}
		}
	}
	if len(errs) == 0 && len(creds) == 0 {
		errs = append(errs, fmt.Errorf("%s: no credentials", path))
	}
	return creds, errors.Join(errs...)
}

// arnAccount is the account field of an ARN.
func arnAccount(arn string) string {
	if p := strings.SplitN(arn, ":", 6); len(p) == 6 {
		return p[4]
	}
	return ""
}

// clientCredentials returns the credentials to sign requests to an endpoint
// with: from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, else the
// AWS_PROFILE (or "default") profile of the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials). It returns nil when
// there are none, and requests go unsigned.
func clientCredentials() (aws.CredentialsProvider, error) {
	if id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		return static(aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN"), Source: "environment"}), nil
	}
	path := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil
		}
		path = filepath.Join(home, ".aws", "credentials")
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	secs, err := parseINI(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	profile := envOr("AWS_PROFILE", "default")
	for _, s := range secs {
		if s.name != profile {
			continue
		}
		id, secret := s.keys["aws_access_key_id"], s.keys["aws_secret_access_key"]
		if id == "" || secret == "" {
			return nil, fmt.Errorf("%s: profile %s lacks aws_access_key_id or aws_secret_access_key", path, profile)
		}
		return static(aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: s.keys["aws_session_token"], Source: path}), nil
	}
	if os.Getenv("AWS_PROFILE") != "" {
		return nil, fmt.Errorf("%s: no profile %s (from AWS_PROFILE)", path, profile)
	}
	return nil, nil
}

func static(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}
