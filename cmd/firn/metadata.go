package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

const metadataHelp = `Metadata in a database: with --metadata URL (default: the environment
variable FIRN_METADATA, unless --endpoint-url is given), the metadata lives in a PostgreSQL database (or
CockroachDB, YugabyteDB) instead of the data directory, and the archive bytes
in the object store, which --metadata requires (--s3-endpoint, --s3-bucket).
Any number of 'firn serve' processes and other commands, on as many machines,
may then work on the same database, bucket and prefix at once. The URL is
postgres://user[:password]@host[:port]/database[?sslmode=...] or a key=value
connection string; the database must exist, and its tables are created at
the first use. --data then holds only the output of select jobs; it defaults
to the directory firn of the user's cache directory ($XDG_CACHE_HOME, else
~/.cache, on Linux), else of the temporary directory. Backups are the
database's own (pg_dump, or continuous archiving and point-in-time
recovery): 'firn backup', 'firn restore' and serve --backup-interval refuse
to run with --metadata.`

// metadataEnv names the environment variable that --metadata defaults to.
// It is read only when neither the flag nor --endpoint-url is given, so
// that --help never shows a password it may hold.
const metadataEnv = "FIRN_METADATA"

// metadataDataDir is the default --data with --metadata.
func metadataDataDir() string {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "firn")
}

// checkMetadata reports a --metadata that is neither a postgres:// URL nor
// a key=value connection string. It never repeats the value, which may
// hold a password.
func checkMetadata(s string) error {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") && u.Host != "" {
			return nil
		}
	} else if strings.Contains(s, "=") {
		return nil
	}
	return usagef("--metadata: give a PostgreSQL URL, postgres://user[:password]@host[:port]/database, or a key=value connection string such as \"host=db dbname=firn\"")
}

// metadataName names the --metadata database without its password, for
// messages and upload state.
func metadataName(s string) string {
	if u, err := url.Parse(s); err == nil && strings.Contains(s, "://") {
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		u.RawQuery, u.Fragment = "", ""
		return u.String()
	}
	var kept []string
	for _, kv := range strings.Fields(s) {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "host", "port", "dbname", "user":
			kept = append(kept, kv)
		}
	}
	return strings.Join(kept, " ")
}
