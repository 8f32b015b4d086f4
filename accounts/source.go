package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"

	"onair/credentials"
	"onair/store"
)

// Where the source password in force comes from.
const (
	SourceFromConsole    = "console"   // saved from the console's settings
	SourceFromConfig     = "config"    // source_password or ONAIR_SOURCE_PASSWORD
	SourceFromGenerated  = "generated" // made on a first start
	legacyPrefix         = "sha256:"   // a kept hash from before this store: "sha256:salt:hex"
	sourcePasswordFields = "origin, hash"
)

// SourceOptions configure OpenSourcePassword.
type SourceOptions struct {
	// Configured is the source password of the file or the environment;
	// "" = none.
	Configured string
	// Kept is the generated password a data folder from before this
	// store keeps in its credentials file, if any: it is moved into the
	// store, and its hash becomes bcrypt at its first use.
	Kept *credentials.Secret
	// Cost is bcrypt's work factor for new hashes; 0 is bcrypt.DefaultCost.
	Cost int
	// Generate makes a password for a first start; nil is
	// credentials.NewPassword.
	Generate func() string
}

// SourcePassword is the one source password that any source may use,
// whatever user name it sends: the one saved from the console, else the
// configured one, else the one generated on the first start. The saved
// and generated ones live in the store's source_password table as bcrypt
// hashes; the configured one is hashed in memory only, and a reload of the
// config file replaces it (SetConfigured). It is safe for concurrent use.
type SourcePassword struct {
	db   *store.Store
	cost int

	configured atomic.Pointer[[]byte] // bcrypt of the configured password; nil = none
	generated  atomic.Pointer[string]
	console    atomic.Pointer[string]

	mu sync.Mutex // one change at a time
}

// OpenSourcePassword loads the source password kept in db, moving a kept
// one over from the credentials file and generating one when none is
// configured or kept. generated is the new password in clear, to be shown
// once, or "".
func OpenSourcePassword(ctx context.Context, db *store.Store, opts SourceOptions) (sp *SourcePassword, generated string, err error) {
	if opts.Cost == 0 {
		opts.Cost = bcrypt.DefaultCost
	}
	if opts.Generate == nil {
		opts.Generate = credentials.NewPassword
	}
	sp = &SourcePassword{db: db, cost: opts.Cost}
	if opts.Configured != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(opts.Configured), opts.Cost)
		if err != nil {
			return nil, "", fmt.Errorf("hash the source password: %w", err)
		}
		sp.configured.Store(&h)
	}
	rows, err := db.DB.QueryContext(ctx, "SELECT "+sourcePasswordFields+" FROM source_password")
	if err != nil {
		return nil, "", fmt.Errorf("load the source password: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var origin, hash string
		if err := rows.Scan(&origin, &hash); err != nil {
			return nil, "", fmt.Errorf("load the source password: %w", err)
		}
		sp.slot(origin).Store(&hash)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("load the source password: %w", err)
	}
	switch {
	case sp.generated.Load() != nil:
	case opts.Kept != nil:
		if err := sp.save(ctx, SourceFromGenerated, legacyPrefix+opts.Kept.Salt+":"+opts.Kept.Hash); err != nil {
			return nil, "", err
		}
	case opts.Configured == "":
		generated = opts.Generate()
		hash, err := bcrypt.GenerateFromPassword([]byte(generated), opts.Cost)
		if err != nil {
			return nil, "", fmt.Errorf("hash the source password: %w", err)
		}
		if err := sp.save(ctx, SourceFromGenerated, string(hash)); err != nil {
			return nil, "", err
		}
	}
	return sp, generated, nil
}

// slot is where the hash of origin is held.
func (sp *SourcePassword) slot(origin string) *atomic.Pointer[string] {
	if origin == SourceFromConsole {
		return &sp.console
	}
	return &sp.generated
}

// save keeps hash as origin's, in the store and in memory.
func (sp *SourcePassword) save(ctx context.Context, origin, hash string) error {
	_, err := sp.db.DB.ExecContext(ctx, `INSERT INTO source_password (origin, hash, updated_at) VALUES (?, ?, unixepoch())
		ON CONFLICT (origin) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`, origin, hash)
	if err != nil {
		return fmt.Errorf("save the %s source password: %w", origin, err)
	}
	sp.slot(origin).Store(&hash)
	return nil
}

// From says where the password in force comes from.
func (sp *SourcePassword) From() string {
	switch {
	case sp.console.Load() != nil:
		return SourceFromConsole
	case sp.configured.Load() != nil:
		return SourceFromConfig
	}
	return SourceFromGenerated
}

// FromConsole reports whether a password saved from the console is in force.
func (sp *SourcePassword) FromConsole() bool { return sp.From() == SourceFromConsole }

// Check accepts pass if it is the source password in force, or answers
// ErrWrongPassword.
func (sp *SourcePassword) Check(ctx context.Context, pass string) error {
	var hash string
	switch sp.From() {
	case SourceFromConsole:
		hash = *sp.console.Load()
	case SourceFromConfig:
		hash = string(*sp.configured.Load())
	default:
		h := sp.generated.Load()
		if h == nil {
			return ErrWrongPassword
		}
		hash = *h
	}
	if rest, ok := strings.CutPrefix(hash, legacyPrefix); ok {
		return sp.checkLegacy(ctx, rest, pass)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass)) != nil {
		return ErrWrongPassword
	}
	return nil
}

// checkLegacy checks pass against a hash moved from the credentials file
// ("salt:hex") and, once it matches, keeps a bcrypt hash in its place, so
// that one format remains.
func (sp *SourcePassword) checkLegacy(ctx context.Context, kept, pass string) error {
	salt, hash, _ := strings.Cut(kept, ":")
	if !(credentials.Secret{Salt: salt, Hash: hash}).Matches(pass) {
		return ErrWrongPassword
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pass), sp.cost)
	if err != nil {
		return nil // the password was right; the upgrade waits for next time
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if cur := sp.generated.Load(); cur != nil && *cur == legacyPrefix+kept {
		// A failed save leaves the legacy hash, which still works.
		_ = sp.save(ctx, SourceFromGenerated, string(h))
	}
	return nil
}

// Set makes pw the source password, saved as the console's; it wins over
// the configured and generated ones.
func (sp *SourcePassword) Set(ctx context.Context, pw string) error {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), sp.cost)
	if err != nil {
		return fmt.Errorf("hash the source password: %w", err)
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.save(ctx, SourceFromConsole, string(h))
}

// Reset forgets the console's source password: the configured (or
// generated) one applies again.
func (sp *SourcePassword) Reset(ctx context.Context) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if _, err := sp.db.DB.ExecContext(ctx, "DELETE FROM source_password WHERE origin = ?", SourceFromConsole); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reset the source password: %w", err)
	}
	sp.console.Store(nil)
	return nil
}

// ErrNeedsGenerated refuses to drop the configured source password when
// no generated one is kept to fall back on: one is made only at start-up,
// where it is shown.
var ErrNeedsGenerated = errors.New("no generated source password to fall back on: restart to have one made")

// SetConfigured replaces the configured source password (a reload of the
// config file); "" drops it, so that the generated one applies again. A
// password saved from the console keeps winning over either. Sources
// connected stay connected; the next login is checked against it.
func (sp *SourcePassword) SetConfigured(pw string) error {
	if pw == "" {
		sp.mu.Lock()
		defer sp.mu.Unlock()
		if sp.generated.Load() == nil {
			return ErrNeedsGenerated
		}
		sp.configured.Store(nil)
		return nil
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), sp.cost)
	if err != nil {
		return fmt.Errorf("hash the source password: %w", err)
	}
	sp.configured.Store(&h)
	return nil
}
