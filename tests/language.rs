//! Names per language (issue 13 §4; DOMAIN.md "Names per language"): a Swedish or Finnish reply
//! or access copy contains no English and no column names. Every template is rendered in sv and fi
//! — through the service, with the facts of the ledger fixture, where the request's state allows
//! it, and from the template file itself for every purpose — and every access copy in sv and fi;
//! each fails on any word from a list of the English labels and column names.

use dsrdesk::config::Config;
use dsrdesk::datamap::{DataMap, Source};
use dsrdesk::domain::intake::Language;
use dsrdesk::export::{ExportFormat, ExportOptions};
use dsrdesk::mail::templates::{COMMON_PLACEHOLDERS, Purpose, TemplateSet};
use dsrdesk::service::reply::ComposeInput;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use std::collections::BTreeMap;

fn alice() -> Operator {
    Operator::new("alice")
}

/// The words no Swedish or Finnish text for a data subject may contain: every data column name of
/// the data map (a database speaking), every stored code, the English titles and texts of the data
/// map, and English words of the labels.
fn forbidden() -> Vec<String> {
    let map = DataMap::built_in();
    let mut words: Vec<String> = Vec::new();
    for s in &map.sources {
        for line in s.select.lines() {
            // `..., p.postal_code, ...`: the column names `select` returns.
            for token in line.split([',', ' ', '(', ')']) {
                let column = token.rsplit('.').next().unwrap_or("");
                if column.contains('_')
                    && Source::is_data_column(column)
                    && column.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                {
                    words.push(column.to_string());
                }
            }
        }
        words.extend([s.title.clone(), s.category.clone(), s.purpose.clone(), s.retention.clone()]);
        words.extend(s.recipients.iter().map(|r| r.name.clone()));
    }
    for (column, codes) in &map.codes {
        for code in codes.keys() {
            // Codes that are also Swedish or Finnish words themselves ("post", "bankgiro", "sv").
            if !matches!(
                code.as_str(),
                "post" | "bankgiro" | "sv" | "fi" | "en" | "email" | "sms" | "information"
            ) {
                words.push(code.clone());
            }
        }
        words.push(column.clone());
    }
    words.extend(
        [
            " the ",
            " and ",
            " of ",
            " with ",
            " your ",
            " we ",
            "Article ",
            "Art. ",
            "GDPR Art",
            "Recipients",
            "Dear ",
            "Kind regards",
            "personal data",
            "Data Protection",
            "enforcement authority",
            "creditor",
            "true",
            "false",
            "Office of the",
            "Data protection",
        ]
        .map(str::to_string),
    );
    // Column names only as whole identifiers: "role", "city" are too short to tell from words.
    words.retain(|w| w.len() > 4 || w.starts_with(' '));
    words.sort();
    words.dedup();
    words
}

fn assert_no_english(what: &str, text: &str, words: &[String]) {
    let hits: Vec<&String> = words.iter().filter(|w| text.contains(w.as_str())).collect();
    assert!(hits.is_empty(), "{what} contains English or column names {hits:?}:\n{text}");
}

#[test]
fn every_template_file_in_sv_and_fi_has_no_english() {
    let words = forbidden();
    let set = TemplateSet::built_in();
    for purpose in Purpose::ALL {
        for language in [Language::Sv, Language::Fi] {
            // Each value stands in as a word of the language, so only the template's own text is tested.
            let values: BTreeMap<&'static str, String> = COMMON_PLACEHOLDERS
                .iter()
                .chain(purpose.own_placeholders())
                .map(|p| (*p, "X".to_string()))
                .collect();
            let r = set.get(purpose, language).render(&values).unwrap();
            assert_no_english(
                &format!("{purpose} {language:?}"),
                &format!("{}\n{}", r.subject, r.body),
                &words,
            );
        }
    }
}

async fn composed(
    desk: &Desk,
    reference: &str,
    purpose: Purpose,
    language: Language,
    detail: Option<&str>,
) -> String {
    let input =
        ComposeInput { language: Some(language), detail: detail.map(str::to_string), ..Default::default() };
    let c = desk
        .compose_reply(reference, purpose, &input, fixture_now())
        .await
        .unwrap_or_else(|e| panic!("{purpose}: {e}"));
    format!("{}\n{}", c.subject, c.body)
}

#[tokio::test]
async fn replies_and_access_copies_in_sv_and_fi_have_no_english_or_column_names() {
    let words = forbidden();
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let (anna, matti, lisa, rectify, access) = (
        &refs["fx-erasure-anna"],
        &refs["fx-restrict-matti"],
        &refs["fx-object-lisa"],
        &refs["fx-rectify-anna"],
        &refs["fx-access-anna"],
    );
    for r in [anna, matti, rectify, access] {
        desk.link(&alice(), r, Some(if r == matti { "3" } else { "1" }), fixture_now()).await.unwrap();
        verify_by_bankid(&desk, &alice(), r).await;
    }
    let plan = desk.erasure_plan(anna, fixture_now()).await.unwrap();
    desk.execute_erasure(&alice(), anna, &plan, fixture_now()).await.unwrap();
    desk.restrict(&alice(), matti, false, "X", fixture_now()).await.unwrap();
    desk.link(&alice(), lisa, None, fixture_now()).await.unwrap();
    desk.opt_out_of_marketing(&alice(), lisa, fixture_now()).await.unwrap();
    let field =
        desk.rectifiable_fields(rectify).await.unwrap().into_iter().find(|f| f.column == "street").unwrap();
    desk.rectify(
        &alice(),
        rectify,
        &[dsrdesk::service::rights::Correction {
            source: field.source.clone(),
            row_id: field.row_id.clone(),
            column: "street".into(),
            new_value: Some("Lillgatan 2".into()),
        }],
        fixture_now(),
    )
    .await
    .unwrap();

    for language in [Language::Sv, Language::Fi] {
        let texts = [
            composed(&desk, anna, Purpose::Acknowledgement, language, None).await,
            composed(&desk, anna, Purpose::Extension, language, Some("X")).await,
            composed(&desk, anna, Purpose::IdentityRequest, language, Some("X")).await,
            composed(&desk, anna, Purpose::Refusal, language, Some("X")).await,
            composed(&desk, anna, Purpose::ErasurePartlyRefused, language, None).await,
            composed(&desk, matti, Purpose::RestrictionConfirmed, language, None).await,
            composed(&desk, lisa, Purpose::ObjectionOutcome, language, None).await,
            composed(&desk, rectify, Purpose::RectificationDone, language, None).await,
            composed(&desk, access, Purpose::AccessReply, language, None).await,
        ];
        for text in &texts {
            assert_no_english(&format!("reply {language:?}"), text, &words);
        }
        for r in [access, matti] {
            let dir = tempfile::tempdir().unwrap();
            let options =
                ExportOptions { format: ExportFormat::Access, language: Some(language), encrypt: false };
            let outcome = desk.export(r, &options, dir.path(), &alice(), fixture_now()).await.unwrap();
            let html = std::fs::read_to_string(&outcome.file.path).unwrap();
            // The words a reader sees: tags and attribute values (ids such as "source-cases") removed.
            let text = strip_tags(&html);
            assert_no_english(&format!("access copy {language:?}"), &text, &words);
        }
    }
}

/// The text of an HTML document, without tags, style and attributes.
fn strip_tags(html: &str) -> String {
    let body = html.split("</style>").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}
