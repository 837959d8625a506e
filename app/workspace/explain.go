package workspace

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
)

// Explain turns an error into a sentence that says what happened and what
// to do about it.
func Explain(what string, err error) string {
	var ve *schema.ValidationError
	var re *schema.RuleError
	switch {
	case err == nil:
		return what + "."
	case errors.Is(err, model.ErrNotAvailable):
		return what + ": " + Calm(err) + "."
	case errors.Is(err, model.ErrNotAllowed):
		return what + ": " + err.Error() + ". Ask a manager of the workspace for a higher role."
	case errors.Is(err, model.ErrNotFound):
		return what + ": it no longer exists on this device (perhaps deleted). Reload or choose another."
	case errors.As(err, &ve), errors.As(err, &re):
		return what + ": " + err.Error() + ". Correct the value and try again."
	case errors.Is(err, model.ErrInvalid):
		return what + ": " + err.Error() + "."
	}
	return what + ": " + err.Error() + ". Try again; if it keeps failing, restart Grove and check the data folder has free space."
}

// Calm returns the message of a "not available yet" error without the
// sentinel's words, for a calm note.
func Calm(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+model.ErrNotAvailable.Error())
}

// when formats a time for people.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2 Jan 2006 15:04")
}

// Shortcut returns the Ctrl (Cmd on macOS) shortcut of a key.
func Shortcut(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
