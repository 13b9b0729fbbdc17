//! Reply templates: one file per purpose and language, checked when loaded.
//!
//! A template file is `<purpose>.<language>.txt`: the first line is `Subject: ...`, then an empty
//! line, then the body. `{{name}}` stands for a value dsrdesk fills in (the reference, names,
//! dates, the erasure plan, the controller's contact details). The placeholders are a fixed list
//! per purpose, so a misspelt or misplaced one is an error when the templates are loaded — at
//! start — never a gap in a sent mail. There are deliberately no loops or conditions: the lists
//! (what was erased, what is kept and why) are written by dsrdesk in the reply's language, so an
//! agency edits wording, not logic.
//!
//! The built-in set lives in `templates/` in the source tree; an agency points `templates = DIR`
//! in the config at a copy and edits it. A file missing from that directory falls back to the
//! built-in one; a file there that dsrdesk does not know (a typo in a name) is an error.

use crate::domain::RequestStatus;
use crate::domain::intake::Language;
use crate::domain::text::{escape_line, escape_multiline};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a reply is for. Each purpose has its template in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The request arrived; when the answer is due.
    Acknowledgement,
    /// Art. 12(6): information needed to identify the requester; the clock pauses.
    IdentityRequest,
    /// Art. 12(3): two further months, with the reasons, told within the first month.
    Extension,
    /// Art. 15: the copy of the data, attached.
    AccessReply,
    /// Art. 15(1): the confirmation that no personal data about the requester is processed — an
    /// answer, not a refusal — with the Art. 15 information that still applies.
    NoData,
    /// Art. 20: the portability bundle, attached.
    PortabilityReply,
    /// Art. 16: what was corrected.
    RectificationDone,
    /// Art. 17: everything erased.
    ErasureDone,
    /// Art. 17(3): some data kept — what, why (the article) and until when.
    ErasurePartlyRefused,
    /// Art. 18: the data is restricted.
    RestrictionConfirmed,
    /// Art. 21: the outcome of an objection.
    ObjectionOutcome,
    /// Art. 12(4)/(5): the request is refused, with the reasons.
    Refusal,
    /// Art. 28: the agency is processor; the request went to the client, the controller.
    Forwarded,
}

impl Purpose {
    pub const ALL: [Purpose; 13] = [
        Purpose::Acknowledgement,
        Purpose::IdentityRequest,
        Purpose::Extension,
        Purpose::AccessReply,
        Purpose::NoData,
        Purpose::PortabilityReply,
        Purpose::RectificationDone,
        Purpose::ErasureDone,
        Purpose::ErasurePartlyRefused,
        Purpose::RestrictionConfirmed,
        Purpose::ObjectionOutcome,
        Purpose::Refusal,
        Purpose::Forwarded,
    ];

    /// The file name stem and the command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Acknowledgement => "acknowledgement",
            Purpose::IdentityRequest => "identity_request",
            Purpose::Extension => "extension",
            Purpose::AccessReply => "access_reply",
            Purpose::NoData => "no_data",
            Purpose::PortabilityReply => "portability_reply",
            Purpose::RectificationDone => "rectification_done",
            Purpose::ErasureDone => "erasure_done",
            Purpose::ErasurePartlyRefused => "erasure_partly_refused",
            Purpose::RestrictionConfirmed => "restriction_confirmed",
            Purpose::ObjectionOutcome => "objection_outcome",
            Purpose::Refusal => "refusal",
            Purpose::Forwarded => "forwarded",
        }
    }

    /// What the DPO sees in the template menu.
    pub fn title(self) -> &'static str {
        match self {
            Purpose::Acknowledgement => "Acknowledgement of receipt",
            Purpose::IdentityRequest => "Request for identity information (pauses the clock)",
            Purpose::Extension => "Extension notice with reasons (first month only)",
            Purpose::AccessReply => "Access reply (the access copy attached)",
            Purpose::NoData => "We hold no data about you (Art. 15(1))",
            Purpose::PortabilityReply => "Portability reply (the bundle attached, Art. 20)",
            Purpose::RectificationDone => "Rectification done",
            Purpose::ErasureDone => "Erasure done in full",
            Purpose::ErasurePartlyRefused => "Erasure partly refused (what is kept, why, until when)",
            Purpose::RestrictionConfirmed => "Restriction confirmed",
            Purpose::ObjectionOutcome => "Objection outcome",
            Purpose::Refusal => "Refusal with reasons",
            Purpose::Forwarded => "Forwarded to the controller (processor role)",
        }
    }

    /// The placeholders this purpose may use besides the common ones.
    pub fn own_placeholders(self) -> &'static [&'static str] {
        match self {
            Purpose::Acknowledgement => &["answer_promise"],
            Purpose::IdentityRequest => &["information_needed"],
            Purpose::Extension => &["extension_reason"],
            Purpose::AccessReply | Purpose::NoData | Purpose::PortabilityReply => &[],
            Purpose::RectificationDone => &["rectified_fields", "recipient_notices"],
            Purpose::ErasureDone => &["erased_data", "recipient_notices"],
            Purpose::ErasurePartlyRefused => &["erased_data", "kept_data", "follow_up", "recipient_notices"],
            Purpose::RestrictionConfirmed => &["restriction_reason", "recipient_notices"],
            Purpose::ObjectionOutcome => &["objection_decision", "objection_grounds"],
            Purpose::Refusal => &["refusal_reason"],
            Purpose::Forwarded => &["client_name"],
        }
    }

    /// Placeholders the template must contain. Art. 12(4): whenever the controller does not do
    /// (all of) what was asked, the reply states the reasons and the right to complain to a
    /// supervisory authority and to seek a judicial remedy — an agency's edit cannot drop them.
    pub fn required_placeholders(self) -> &'static [&'static str] {
        match self {
            // Art. 19: whom we told, and whom we still will — never "we have told" by default.
            Purpose::ErasurePartlyRefused => &["kept_data", "complaint_rights", "recipient_notices"],
            Purpose::ErasureDone | Purpose::RectificationDone | Purpose::RestrictionConfirmed => {
                &["recipient_notices"]
            }
            // Art. 15(1)(f): the right to complain is part of the access information.
            Purpose::AccessReply | Purpose::NoData | Purpose::PortabilityReply => &["complaint_rights"],
            Purpose::Refusal => &["refusal_reason", "complaint_rights"],
            // An objection may be overridden (compelling grounds, legal claims): then it is a refusal.
            Purpose::ObjectionOutcome => &["objection_decision", "complaint_rights"],
            Purpose::Extension => &["extension_reason", "due_on"],
            Purpose::IdentityRequest => &["information_needed"],
            Purpose::Forwarded => &["client_name"],
            // The promise is worded from the request's dates: on an overdue request it says the
            // answer is late, where a bare due date would promise a day already past.
            Purpose::Acknowledgement => &["answer_promise"],
        }
    }

    /// The request's status once this reply is sent (`None`: the request stays as it is).
    pub fn closes_as(self) -> Option<RequestStatus> {
        match self {
            Purpose::Acknowledgement | Purpose::IdentityRequest | Purpose::Extension => None,
            Purpose::Refusal => Some(RequestStatus::Refused),
            Purpose::Forwarded => Some(RequestStatus::Forwarded),
            _ => Some(RequestStatus::Answered),
        }
    }

    /// Replies that disclose the subject's data (the copy, what was corrected to, what is kept):
    /// only once identity is verified (Art. 12(6)); the database refuses them otherwise too.
    pub fn carries_data(self) -> bool {
        matches!(
            self,
            Purpose::AccessReply
                | Purpose::PortabilityReply
                | Purpose::RectificationDone
                | Purpose::ErasureDone
                | Purpose::ErasurePartlyRefused
                | Purpose::RestrictionConfirmed
        )
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown reply template {0:?}: expected one of {list}", list = Purpose::ALL.map(Purpose::name).join(", "))]
pub struct UnknownPurpose(pub String);

impl FromStr for Purpose {
    type Err = UnknownPurpose;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Purpose::ALL.into_iter().find(|p| p.name() == wanted).ok_or_else(|| UnknownPurpose(s.to_string()))
    }
}

/// Placeholders every template may use.
pub const COMMON_PLACEHOLDERS: &[&str] = &[
    "reference",
    "requester_name",
    "request_kind",
    "received_on",
    "due_on",
    "today",
    "controller_name",
    "controller_email",
    "controller_postal_address",
    "controller_phone",
    "authority_name",
    "authority_postal_address",
    "authority_website",
    "complaint_rights",
    "attachments",
    "operator",
    "processor_part",
];

pub const LANGUAGES: [Language; 3] = [Language::Sv, Language::Fi, Language::En];

/// A problem in a template file: which file, which line, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {file}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct TemplateError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Value(&'static str),
}

/// One parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub purpose: Purpose,
    pub language: Language,
    /// Where it came from: a path, or `built-in:<file>`.
    pub origin: String,
    subject: Vec<Part>,
    body: Vec<Part>,
}

/// A template filled in: exactly the text that goes into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The values for one reply, by placeholder name.
pub type Values = BTreeMap<&'static str, String>;

fn file_name(purpose: Purpose, language: Language) -> String {
    format!("{}.{}.txt", purpose.name(), language.as_str())
}

fn known_placeholder(purpose: Purpose, name: &str) -> Option<&'static str> {
    COMMON_PLACEHOLDERS.iter().chain(purpose.own_placeholders()).find(|p| **p == name).copied()
}

/// Split one line of template text into text and placeholders, checking each placeholder.
fn parse_parts(
    text: &str,
    purpose: Purpose,
    file: &str,
    first_line: usize,
) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let error =
            |message: String| TemplateError { file: file.to_string(), line: Some(first_line + i), message };
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| error("\"{{\" without a closing \"}}\"".into()))?;
            let name = after[..end].trim();
            let known = known_placeholder(purpose, name).ok_or_else(|| {
                let own = purpose.own_placeholders();
                let elsewhere = Purpose::ALL.iter().any(|p| p.own_placeholders().contains(&name));
                error(if elsewhere {
                    format!("{{{{{name}}}}} is not available in a {} reply", purpose.name())
                } else {
                    format!(
                        "unknown placeholder {{{{{name}}}}}; known here: {}",
                        COMMON_PLACEHOLDERS.iter().chain(own).copied().collect::<Vec<_>>().join(", ")
                    )
                })
            })?;
            parts.push(Part::Value(known));
            rest = &after[end + 2..];
        }
        if rest.contains("}}") {
            return Err(error("\"}}\" without an opening \"{{\"".into()));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
    }
    Ok(parts)
}

impl Template {
    /// Parse and check one template file's text.
    pub fn parse(
        text: &str,
        purpose: Purpose,
        language: Language,
        origin: &str,
    ) -> Result<Template, TemplateError> {
        let error =
            |line: Option<usize>, message: String| TemplateError { file: origin.to_string(), line, message };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first
            .strip_prefix("Subject:")
            .ok_or_else(|| error(Some(1), "the first line must be \"Subject: ...\"".into()))?
            .trim();
        if subject.is_empty() {
            return Err(error(Some(1), "the subject is empty".into()));
        }
        let body = rest
            .strip_prefix('\n')
            .ok_or_else(|| error(Some(2), "an empty line must separate the subject from the body".into()))?;
        if body.trim().is_empty() {
            return Err(error(Some(3), "the body is empty".into()));
        }
        let subject_parts = parse_parts(subject, purpose, origin, 1)?;
        let body_parts = parse_parts(body, purpose, origin, 3)?;
        let template = Template {
            purpose,
            language,
            origin: origin.to_string(),
            subject: subject_parts,
            body: body_parts,
        };
        for required in purpose.required_placeholders() {
            if !template.uses(required) {
                return Err(error(
                    None,
                    format!("a {} reply must contain {{{{{required}}}}}", purpose.name()),
                ));
            }
        }
        Ok(template)
    }

    /// Whether the template uses a placeholder (subject or body).
    pub fn uses(&self, name: &str) -> bool {
        self.subject.iter().chain(&self.body).any(|p| matches!(p, Part::Value(v) if *v == name))
    }

    /// Fill in the values. Values come from outside (names, reasons typed by a DPO): control
    /// characters are shown escaped, never passed on; the subject gets no line breaks, so no
    /// value can start a mail header.
    pub fn render(&self, values: &Values) -> Result<Rendered, TemplateError> {
        let fill = |parts: &[Part], one_line: bool| -> Result<String, TemplateError> {
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Text(t) => out.push_str(t),
                    Part::Value(name) => {
                        let value = values.get(name).ok_or_else(|| TemplateError {
                            file: self.origin.clone(),
                            line: None,
                            message: format!("no value for {{{{{name}}}}}"),
                        })?;
                        if one_line {
                            out.push_str(&escape_line(&value.replace('\n', " ")));
                        } else {
                            out.push_str(&escape_multiline(value));
                        }
                    }
                }
            }
            Ok(out)
        };
        Ok(Rendered { subject: fill(&self.subject, true)?, body: fill(&self.body, false)? })
    }
}

/// Every purpose in every language.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    templates: BTreeMap<(Purpose, &'static str), Template>,
    /// The agency's directory, when one is configured.
    pub directory: Option<PathBuf>,
}

macro_rules! built_in {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../templates/", $file)))),*]
    };
}

/// The templates shipped with dsrdesk (`templates/` in the source tree).
const BUILT_IN: &[(&str, &str)] = built_in!(
    "acknowledgement.sv.txt",
    "acknowledgement.fi.txt",
    "acknowledgement.en.txt",
    "identity_request.sv.txt",
    "identity_request.fi.txt",
    "identity_request.en.txt",
    "extension.sv.txt",
    "extension.fi.txt",
    "extension.en.txt",
    "access_reply.sv.txt",
    "access_reply.fi.txt",
    "access_reply.en.txt",
    "no_data.sv.txt",
    "no_data.fi.txt",
    "no_data.en.txt",
    "portability_reply.sv.txt",
    "portability_reply.fi.txt",
    "portability_reply.en.txt",
    "rectification_done.sv.txt",
    "rectification_done.fi.txt",
    "rectification_done.en.txt",
    "erasure_done.sv.txt",
    "erasure_done.fi.txt",
    "erasure_done.en.txt",
    "erasure_partly_refused.sv.txt",
    "erasure_partly_refused.fi.txt",
    "erasure_partly_refused.en.txt",
    "restriction_confirmed.sv.txt",
    "restriction_confirmed.fi.txt",
    "restriction_confirmed.en.txt",
    "objection_outcome.sv.txt",
    "objection_outcome.fi.txt",
    "objection_outcome.en.txt",
    "refusal.sv.txt",
    "refusal.fi.txt",
    "refusal.en.txt",
    "forwarded.sv.txt",
    "forwarded.fi.txt",
    "forwarded.en.txt",
);

impl TemplateSet {
    /// The built-in templates. They are checked by a unit test, so this cannot fail in a release.
    pub fn built_in() -> TemplateSet {
        Self::assemble(None, |_| Ok(None)).expect("the built-in templates are checked by tests")
    }

    /// The built-in templates with the agency's files from `dir` in their place.
    pub fn load(dir: &Path) -> Result<TemplateSet, TemplateError> {
        let dir_error =
            |message: String| TemplateError { file: dir.display().to_string(), line: None, message };
        let entries =
            std::fs::read_dir(dir).map_err(|e| dir_error(format!("cannot read the directory: {e}")))?;
        let known: Vec<String> =
            Purpose::ALL.iter().flat_map(|p| LANGUAGES.iter().map(move |l| file_name(*p, *l))).collect();
        for entry in entries {
            let entry = entry.map_err(|e| dir_error(e.to_string()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") && !known.contains(&name) {
                return Err(TemplateError {
                    file: entry.path().display().to_string(),
                    line: None,
                    message: "not a template dsrdesk knows (expected <purpose>.<sv|fi|en>.txt, e.g. refusal.sv.txt)"
                        .into(),
                });
            }
        }
        Self::assemble(Some(dir.to_path_buf()), |file| {
            let path = dir.join(file);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some((path.display().to_string(), text))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(TemplateError {
                    file: path.display().to_string(),
                    line: None,
                    message: format!("cannot read: {e}"),
                }),
            }
        })
    }

    fn assemble(
        directory: Option<PathBuf>,
        agency_file: impl Fn(&str) -> Result<Option<(String, String)>, TemplateError>,
    ) -> Result<TemplateSet, TemplateError> {
        let mut templates = BTreeMap::new();
        for purpose in Purpose::ALL {
            for language in LANGUAGES {
                let file = file_name(purpose, language);
                let (origin, text) = match agency_file(&file)? {
                    Some(found) => found,
                    None => {
                        let text = BUILT_IN
                            .iter()
                            .find(|(name, _)| *name == file)
                            .map(|(_, text)| text.to_string())
                            .ok_or_else(|| TemplateError {
                                file: file.clone(),
                                line: None,
                                message: "missing from the built-in set".into(),
                            })?;
                        (format!("built-in:{file}"), text)
                    }
                };
                templates.insert(
                    (purpose, language.as_str()),
                    Template::parse(&text, purpose, language, &origin)?,
                );
            }
        }
        Ok(TemplateSet { templates, directory })
    }

    pub fn get(&self, purpose: Purpose, language: Language) -> &Template {
        &self.templates[&(purpose, language.as_str())]
    }
}

impl Default for TemplateSet {
    fn default() -> Self {
        TemplateSet::built_in()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values_for(purpose: Purpose) -> Values {
        COMMON_PLACEHOLDERS
            .iter()
            .chain(purpose.own_placeholders())
            .map(|name| (*name, format!("<{name}>")))
            .collect()
    }

    #[test]
    fn every_built_in_template_parses_and_renders_in_every_language() {
        let set = TemplateSet::built_in();
        for purpose in Purpose::ALL {
            for language in LANGUAGES {
                let rendered = set.get(purpose, language).render(&values_for(purpose)).unwrap();
                assert!(
                    rendered.subject.contains("<reference>"),
                    "{purpose} {language:?}: the subject names the reference"
                );
                assert!(!rendered.body.contains("{{"), "{purpose} {language:?}");
            }
        }
    }

    #[test]
    fn refusals_and_partial_refusals_state_the_right_to_complain_art_12_4() {
        let set = TemplateSet::built_in();
        for purpose in [Purpose::Refusal, Purpose::ErasurePartlyRefused, Purpose::ObjectionOutcome] {
            for language in LANGUAGES {
                assert!(set.get(purpose, language).uses("complaint_rights"), "{purpose} {language:?}");
            }
        }
        let without = "Subject: {{reference}}\n\nWe refuse: {{refusal_reason}}\n";
        let err = Template::parse(without, Purpose::Refusal, Language::En, "refusal.en.txt").unwrap_err();
        assert!(err.to_string().contains("must contain {{complaint_rights}}"), "{err}");
    }

    #[test]
    fn a_misspelt_placeholder_is_reported_with_file_and_line() {
        let text = "Subject: Ärende {{reference}}\n\nHej {{requester_name}},\nsvar senast {{due_ON}}.\n";
        let err = Template::parse(text, Purpose::Acknowledgement, Language::Sv, "acknowledgement.sv.txt")
            .unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(err.to_string().contains("unknown placeholder {{due_ON}}"), "{err}");
    }

    #[test]
    fn a_placeholder_of_another_purpose_is_refused() {
        let text = "Subject: {{reference}}\n\n{{kept_data}}\n";
        let err = Template::parse(text, Purpose::Acknowledgement, Language::En, "a.en.txt").unwrap_err();
        assert!(err.to_string().contains("not available in a acknowledgement reply"), "{err}");
    }

    #[test]
    fn unbalanced_braces_and_a_missing_subject_are_errors() {
        for (text, expected) in [
            ("Subject: x {{reference\n\nbody\n", "without a closing"),
            ("Subject: x\n\nbody }}\n", "without an opening"),
            ("Hello\n\nbody\n", "Subject:"),
            ("Subject: x\nbody\n", "empty line"),
            ("Subject: x\n\n  \n", "body is empty"),
        ] {
            let err = Template::parse(text, Purpose::Acknowledgement, Language::En, "t").unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn values_cannot_break_the_subject_line_or_reach_a_terminal() {
        let t = Template::parse(
            "Subject: Re {{requester_name}}\n\nHi {{requester_name}}\n{{answer_promise}}\n",
            Purpose::Acknowledgement,
            Language::En,
            "t",
        )
        .unwrap();
        let mut values = values_for(Purpose::Acknowledgement);
        values.insert("requester_name", "Anna\r\nBcc: evil@example.com \u{1b}[31m".into());
        let r = t.render(&values).unwrap();
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'), "{:?}", r.subject);
        assert!(!r.body.contains('\u{1b}') && !r.body.contains('\r'), "{:?}", r.body);
        assert!(r.subject.contains("\\x1b[31m"));
    }

    #[test]
    fn an_agency_directory_overrides_one_file_and_unknown_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("acknowledgement.en.txt"),
            "Subject: Got it — {{reference}}\n\nDear {{requester_name}}, {{answer_promise}}\n",
        )
        .unwrap();
        let set = TemplateSet::load(dir.path()).unwrap();
        assert!(set.get(Purpose::Acknowledgement, Language::En).origin.ends_with("acknowledgement.en.txt"));
        // An acknowledgement promising only {{due_on}} would promise a past day on an overdue
        // request: refused, naming the file.
        let bare = tempfile::tempdir().unwrap();
        std::fs::write(bare.path().join("acknowledgement.en.txt"), "Subject: x\n\nDue {{due_on}}.\n")
            .unwrap();
        let err = TemplateSet::load(bare.path()).unwrap_err().to_string();
        assert!(err.contains("acknowledgement.en.txt") && err.contains("answer_promise"), "{err}");
        assert!(set.get(Purpose::Acknowledgement, Language::Sv).origin.starts_with("built-in:"));
        std::fs::write(dir.path().join("acknowledgment.en.txt"), "Subject: x\n\ny\n").unwrap();
        let err = TemplateSet::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("acknowledgment.en.txt"), "{err}");
    }

    #[test]
    fn purposes_parse_with_dashes() {
        assert_eq!("erasure-partly-refused".parse::<Purpose>().unwrap(), Purpose::ErasurePartlyRefused);
        assert!("thanks".parse::<Purpose>().unwrap_err().to_string().contains("acknowledgement"));
    }
}
