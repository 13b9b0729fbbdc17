//! Text from the outside world (request bodies, names, e-mail addresses) is data, never
//! terminal commands: control characters, escape sequences and bidi overrides are shown escaped.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that would change how the terminal shows what follows them.
fn is_dangerous(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' if keep_newlines => false,
        '\t' if keep_newlines => false,
        // C0 controls (ESC, BEL, CR, BS ...), DEL and the C1 controls (CSI, OSC as 8-bit codes).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional overrides and isolates: they reorder what the reader sees (Trojan Source).
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}' => true,
        // Line and paragraph separators break layouts in some terminals.
        '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_dangerous(c, keep_newlines) {
            let code = c as u32;
            if code <= 0xff {
                let _ = write!(out, "\\x{code:02x}");
            } else {
                let _ = write!(out, "\\u{{{code:x}}}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether one-line text holds anything `escape_line` would escape: C0/C1 controls, DEL, bidi
/// overrides and isolates, line separators. Intake refuses such names and addresses outright, since
/// they also end up in mail headers and file names, where escaping is not enough.
pub fn has_controls(s: &str) -> bool {
    s.chars().any(|c| is_dangerous(c, false))
}

/// For one-line fields (names, e-mails, table cells): every control character escaped.
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// For multi-line text (request bodies): newlines and tabs kept, everything else escaped.
pub fn escape_multiline(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_escape_sequence_is_shown_not_executed() {
        assert_eq!(escape_line("a\u{1b}[2Jb"), "a\\x1b[2Jb");
    }

    #[test]
    fn osc_title_change_and_bell_are_escaped() {
        assert_eq!(escape_line("\u{1b}]0;pwned\u{7}"), "\\x1b]0;pwned\\x07");
    }

    #[test]
    fn c1_csi_and_bidi_override_are_escaped() {
        assert_eq!(escape_line("x\u{9b}31m"), "x\\x9b31m");
        assert_eq!(escape_line("abc\u{202e}fed"), "abc\\u{202e}fed");
    }

    #[test]
    fn multiline_keeps_newlines_but_not_carriage_returns() {
        assert_eq!(escape_multiline("a\nb\r\n"), "a\nb\\x0d\n");
        assert_eq!(escape_line("a\nb"), "a\\x0ab");
    }

    #[test]
    fn has_controls_sees_bidi_and_c1_as_well_as_c0() {
        assert!(has_controls("Anna\u{202e}gpj.exe"));
        assert!(has_controls("x\u{9b}y"));
        assert!(has_controls("a\tb"));
        assert!(!has_controls("Åsa Öberg-Nyström, O'Brien"));
    }

    #[test]
    fn plain_swedish_text_is_untouched_and_borrowed() {
        let s = "Åsa Öberg, Järnvägsgatan 4";
        assert!(matches!(escape_line(s), Cow::Borrowed(_)));
    }
}
