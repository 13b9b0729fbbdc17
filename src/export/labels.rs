//! The fixed words of the access copy and the bundle's README, in Swedish, Finnish and English,
//! and the built-in texts of the controller policy (Art. 15(1)(g)-(h), 15(2)) an agency overrides
//! in `[controllers.XX.policy]`.

use crate::config::{LocalText, PolicySettings};
use crate::domain::intake::Language;

pub struct Labels {
    pub html_lang: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub reference: &'static str,
    pub controller: &'static str,
    pub contact: &'static str,
    pub generated_at: &'static str,
    pub contents: &'static str,
    pub your_data: &'static str,
    pub no_rows: &'static str,
    pub rows: &'static str,
    pub restricted: &'static str,
    pub restricted_note: &'static str,
    pub status: &'static str,
    /// "{n} row(s) are held on behalf of {client}, who is the controller ..."
    pub held_for_client: &'static str,
    /// Said only when the request was forwarded to the client (its processor task is done).
    pub forwarded_to_client: &'static str,
    /// Otherwise: the subject may turn to the client; we will tell it.
    pub will_forward_to_client: &'static str,
    pub purpose: &'static str,
    pub category: &'static str,
    pub legal_basis: &'static str,
    pub recipients: &'static str,
    pub no_recipients: &'static str,
    pub retention: &'static str,
    pub supplementary: &'static str,
    pub a_purposes: &'static str,
    pub b_categories: &'static str,
    pub c_recipients: &'static str,
    pub d_retention: &'static str,
    pub e_rights: &'static str,
    pub e_rights_text: [&'static str; 5],
    pub f_complaint: &'static str,
    pub f_complaint_text: &'static str,
    /// Art. 77(1): the member state of habitual residence or work, too.
    pub f_residence: &'static str,
    pub g_sources: &'static str,
    pub h_automated: &'static str,
    pub transfers: &'static str,
    pub other: &'static str,
    pub nothing_processed: &'static str,
    pub readme: &'static str,
}

pub fn labels(language: Language) -> &'static Labels {
    match language {
        Language::Sv => &SV,
        Language::Fi => &FI,
        Language::En => &EN,
    }
}

static SV: Labels = Labels {
    html_lang: "sv",
    title: "Registerutdrag: dina personuppgifter",
    intro: "Här är en kopia av de personuppgifter om dig som vi behandlar, och den information du har rätt till enligt artikel 15 i dataskyddsförordningen (GDPR).",
    reference: "Ärende",
    controller: "Personuppgiftsansvarig",
    contact: "Kontakt",
    generated_at: "Framställt",
    contents: "Innehåll",
    your_data: "Dina personuppgifter",
    no_rows: "Vi har inga uppgifter om dig här.",
    rows: "Rader",
    restricted: "begränsad",
    restricted_note: "Rader märkta ”begränsad” sparas men används inte (artikel 18); de är fortfarande uppgifter om dig och visas därför.",
    status: "Status",
    held_for_client: "{n} rad(er) behandlar vi enbart på uppdrag av {client}, som är personuppgiftsansvarig för dem. De visas inte här.",
    forwarded_to_client: "Din begäran har skickats vidare till {client}.",
    will_forward_to_client: "Vi skickar din begäran vidare till {client}; du kan också vända dig direkt dit.",
    purpose: "Ändamål",
    category: "Kategori av uppgifter",
    legal_basis: "Rättslig grund",
    recipients: "Mottagare",
    no_recipients: "Inga mottagare utanför oss.",
    retention: "Lagringstid",
    supplementary: "Information enligt artikel 15",
    a_purposes: "Ändamål och rättslig grund (art. 15.1 a)",
    b_categories: "Kategorier av personuppgifter (art. 15.1 b)",
    c_recipients: "Mottagare (art. 15.1 c)",
    d_retention: "Hur länge uppgifterna sparas (art. 15.1 d)",
    e_rights: "Dina rättigheter (art. 15.1 e)",
    e_rights_text: [
        "Rättelse (art. 16): du kan begära att felaktiga uppgifter rättas och att ofullständiga kompletteras.",
        "Radering (art. 17): du kan begära att uppgifter raderas; det vi måste eller får spara (t.ex. enligt bokföringslagen eller för en obetald fordran) förklarar vi i så fall, med hur länge.",
        "Begränsning (art. 18): du kan begära att uppgifter sparas men inte används, t.ex. medan vi prövar om de är riktiga.",
        "Invändning (art. 21): du kan invända mot behandling som grundar sig på berättigat intresse; mot direktmarknadsföring upphör behandlingen alltid och genast.",
        "Dataportabilitet (art. 20): uppgifter du själv lämnat och som vi behandlar med stöd av samtycke eller avtal kan du få i ett maskinläsbart format.",
    ],
    f_complaint: "Klagomål till tillsynsmyndigheten (art. 15.1 f)",
    f_complaint_text: "Du kan lämna klagomål till",
    f_residence: "Du kan också klaga till tillsynsmyndigheten i det EU- eller EES-land där du bor eller arbetar (artikel 77), och föra talan i domstol (artikel 79).",
    g_sources: "Varifrån uppgifterna kommer (art. 15.1 g)",
    h_automated: "Automatiserade beslut och profilering (art. 15.1 h)",
    transfers: "Överföring till länder utanför EU/EES (art. 15.2)",
    other: "Övrigt",
    nothing_processed: "Vi behandlar inga personuppgifter om dig för egen räkning.",
    readme: "Dataportabilitet (artikel 20 i dataskyddsförordningen)\n\nDen här zip-filen innehåller de personuppgifter du själv har lämnat till oss och som vi behandlar med stöd av ditt samtycke eller ett avtal med dig, i maskinläsbar form:\n\n  <källa>.json   uppgifterna som JSON (schema dsrdesk.portability.source/1)\n  <källa>.csv    samma uppgifter som CSV (UTF-8, kommaseparerad, första raden är kolumnnamnen)\n  manifest.json  ärende, datum, och storlek och SHA-256 för varje fil\n\nAndra uppgifter om dig (t.ex. fordringar och betalningar, som vi behandlar enligt lag eller berättigat intresse) omfattas inte av rätten till dataportabilitet; de finns i registerutdraget.\n",
};

static FI: Labels = Labels {
    html_lang: "fi",
    title: "Rekisteriote: henkilötietosi",
    intro: "Tässä on jäljennös henkilötiedoista, joita käsittelemme sinusta, sekä tiedot, joihin sinulla on oikeus tietosuoja-asetuksen (GDPR) 15 artiklan mukaan.",
    reference: "Asia",
    controller: "Rekisterinpitäjä",
    contact: "Yhteystiedot",
    generated_at: "Laadittu",
    contents: "Sisältö",
    your_data: "Henkilötietosi",
    no_rows: "Meillä ei ole sinusta tietoja tässä.",
    rows: "Rivejä",
    restricted: "rajoitettu",
    restricted_note: "Rivit, joissa on merkintä ”rajoitettu”, säilytetään mutta niitä ei käytetä (18 artikla); ne ovat silti sinua koskevia tietoja ja siksi mukana.",
    status: "Tila",
    held_for_client: "{n} riviä käsittelemme ainoastaan toimeksiantajamme {client} lukuun, joka on niiden rekisterinpitäjä. Niitä ei näytetä tässä.",
    forwarded_to_client: "Pyyntösi on välitetty: {client}.",
    will_forward_to_client: "Välitämme pyyntösi: {client}; voit myös kääntyä suoraan sen puoleen.",
    purpose: "Käyttötarkoitus",
    category: "Tietoryhmä",
    legal_basis: "Oikeusperuste",
    recipients: "Vastaanottajat",
    no_recipients: "Ei vastaanottajia meidän lisäksemme.",
    retention: "Säilytysaika",
    supplementary: "Tiedot 15 artiklan mukaan",
    a_purposes: "Käyttötarkoitukset ja oikeusperuste (15 art. 1 a)",
    b_categories: "Henkilötietoryhmät (15 art. 1 b)",
    c_recipients: "Vastaanottajat (15 art. 1 c)",
    d_retention: "Kuinka kauan tietoja säilytetään (15 art. 1 d)",
    e_rights: "Oikeutesi (15 art. 1 e)",
    e_rights_text: [
        "Oikaisu (16 art.): voit pyytää virheellisten tietojen oikaisemista ja puutteellisten täydentämistä.",
        "Poistaminen (17 art.): voit pyytää tietojen poistamista; jos meidän on säilytettävä tietoja (esim. kirjanpitolain tai maksamattoman saatavan vuoksi), kerromme miksi ja kuinka kauan.",
        "Käsittelyn rajoittaminen (18 art.): voit pyytää, että tiedot säilytetään mutta niitä ei käytetä, esim. sillä aikaa kun selvitämme niiden paikkansapitävyyttä.",
        "Vastustaminen (21 art.): voit vastustaa oikeutettuun etuun perustuvaa käsittelyä; suoramarkkinointi lopetetaan aina ja heti.",
        "Siirto-oikeus (20 art.): itse antamasi tiedot, joita käsittelemme suostumuksen tai sopimuksen perusteella, voit saada koneluettavassa muodossa.",
    ],
    f_complaint: "Valitus valvontaviranomaiselle (15 art. 1 f)",
    f_complaint_text: "Voit tehdä valituksen:",
    f_residence: "Voit myös tehdä valituksen sen EU- tai ETA-maan valvontaviranomaiselle, jossa asut tai työskentelet (77 artikla), ja saattaa asian tuomioistuimen käsiteltäväksi (79 artikla).",
    g_sources: "Mistä tiedot on saatu (15 art. 1 g)",
    h_automated: "Automaattiset päätökset ja profilointi (15 art. 1 h)",
    transfers: "Siirrot EU:n/ETA:n ulkopuolelle (15 art. 2)",
    other: "Muuta",
    nothing_processed: "Emme käsittele sinua koskevia henkilötietoja omaan lukuumme.",
    readme: "Oikeus siirtää tiedot järjestelmästä toiseen (tietosuoja-asetuksen 20 artikla)\n\nTämä zip-tiedosto sisältää itse antamasi henkilötiedot, joita käsittelemme suostumuksesi tai kanssasi tehdyn sopimuksen perusteella, koneluettavassa muodossa:\n\n  <lähde>.json   tiedot JSON-muodossa (skeema dsrdesk.portability.source/1)\n  <lähde>.csv    samat tiedot CSV-muodossa (UTF-8, pilkuin erotettu, ensimmäinen rivi on sarakkeiden nimet)\n  manifest.json  asia, päiväys sekä kunkin tiedoston koko ja SHA-256\n\nMuut sinua koskevat tiedot (esim. saatavat ja maksut, joita käsittelemme lain tai oikeutetun edun perusteella) eivät kuulu siirto-oikeuden piiriin; ne ovat rekisteriotteessa.\n",
};

static EN: Labels = Labels {
    html_lang: "en",
    title: "Copy of your personal data",
    intro: "This is a copy of the personal data about you that we process, with the information you are entitled to under Article 15 of the General Data Protection Regulation (GDPR).",
    reference: "Request",
    controller: "Controller",
    contact: "Contact",
    generated_at: "Generated",
    contents: "Contents",
    your_data: "Your personal data",
    no_rows: "We hold no data about you here.",
    rows: "Rows",
    restricted: "restricted",
    restricted_note: "Rows marked “restricted” are kept but not used (Article 18); they are still data about you and are therefore shown.",
    status: "Status",
    held_for_client: "{n} row(s) are held only on behalf of {client}, who is the controller for them. They are not shown here.",
    forwarded_to_client: "Your request was forwarded to {client}.",
    will_forward_to_client: "We will forward your request to {client}; you may also turn to them directly.",
    purpose: "Purpose",
    category: "Category of data",
    legal_basis: "Legal basis",
    recipients: "Recipients",
    no_recipients: "No recipients outside us.",
    retention: "Retention",
    supplementary: "Information under Article 15",
    a_purposes: "Purposes and legal basis (Art. 15(1)(a))",
    b_categories: "Categories of personal data (Art. 15(1)(b))",
    c_recipients: "Recipients (Art. 15(1)(c))",
    d_retention: "How long the data is kept (Art. 15(1)(d))",
    e_rights: "Your rights (Art. 15(1)(e))",
    e_rights_text: [
        "Rectification (Art. 16): you may have inaccurate data corrected and incomplete data completed.",
        "Erasure (Art. 17): you may ask for data to be erased; what we must or may keep (for example under bookkeeping law or for an unpaid claim) we explain, with until when.",
        "Restriction (Art. 18): you may ask for data to be kept but not used, for example while we check whether it is accurate.",
        "Objection (Art. 21): you may object to processing based on legitimate interests; processing for direct marketing always stops at once.",
        "Portability (Art. 20): data you provided yourself and that we process on your consent or a contract with you can be given to you in a machine-readable format.",
    ],
    f_complaint: "Complaint to the supervisory authority (Art. 15(1)(f))",
    f_complaint_text: "You may lodge a complaint with",
    f_residence: "You may also complain to the supervisory authority of the EU or EEA country where you live or work (Article 77), and go to court (Article 79).",
    g_sources: "Where the data comes from (Art. 15(1)(g))",
    h_automated: "Automated decisions and profiling (Art. 15(1)(h))",
    transfers: "Transfers outside the EU/EEA (Art. 15(2))",
    other: "Other information",
    nothing_processed: "We process no personal data about you on our own account.",
    readme: "Data portability (Article 20 of the GDPR)\n\nThis zip file holds the personal data you provided to us yourself and that we process on your consent or a contract with you, in machine-readable form:\n\n  <source>.json  the data as JSON (schema dsrdesk.portability.source/1)\n  <source>.csv   the same data as CSV (UTF-8, comma-separated, the first row names the columns)\n  manifest.json  the request, the date, and each file's size and SHA-256\n\nOther data about you (claims and payments, for example, which we process under the law or on legitimate interests) is not covered by the right to data portability; it is in the access copy.\n",
};

fn pick(configured: Option<&LocalText>, language: Language, default: [&'static str; 3]) -> String {
    configured.and_then(|t| t.get(language)).map(str::to_string).unwrap_or_else(|| {
        match language {
            Language::Sv => default[0],
            Language::Fi => default[1],
            Language::En => default[2],
        }
        .to_string()
    })
}

/// The controller-wide statements in `language`: configured, else the built-in defaults.
pub struct PolicyTexts {
    pub sources_of_data: String,
    pub automated_decisions: String,
    pub transfers: String,
    pub other_information: Option<String>,
}

pub fn policy_texts(policy: &PolicySettings, language: Language) -> PolicyTexts {
    PolicyTexts {
        sources_of_data: pick(policy.sources_of_data.as_ref(), language, DEFAULT_SOURCES),
        // Art. 15(1)(h): no invented default — until the agency writes its own, the copy says the
        // information is still to be completed (and `dsrdesk datamap` warns).
        automated_decisions: pick(policy.automated_decisions.as_ref(), language, AUTOMATED_NOT_WRITTEN),
        transfers: pick(policy.transfers.as_ref(), language, DEFAULT_TRANSFERS),
        other_information: policy
            .other_information
            .as_ref()
            .and_then(|t| t.get(language))
            .map(str::to_string),
    }
}

/// Art. 15(1)(g). The seeds: data comes from the client (creditor), credit-information companies,
/// public address registers and authorities, and from the subject.
pub const DEFAULT_SOURCES: [&str; 3] = [
    "Det mesta kommer från vår uppdragsgivare, den borgenär som har lämnat fordran till oss för indrivning. Vi kompletterar med adressuppgifter ur offentliga register, med uppgifter från kreditupplysningsföretag när en avbetalningsplan ska bedömas, och från myndigheter som Kronofogden. Det du själv berättar för oss i brev, e-post och telefonsamtal sparas också.",
    "Suurin osa tiedoista tulee toimeksiantajaltamme eli velkojalta, joka on antanut saatavan meille perittäväksi. Täydennämme niitä julkisten rekisterien osoitetiedoilla, luottotietoyhtiöiden tiedoilla maksusuunnitelmaa arvioitaessa sekä viranomaisilta, kuten ulosottolaitokselta. Myös kirjeissä, sähköpostissa ja puheluissa itse kertomasi tiedot tallennetaan.",
    "Most of it comes from our client, the creditor who passed the claim to us for collection. We add address details from public registers, information from credit-information companies when a payment plan is assessed, and information from authorities such as the enforcement authority. What you tell us yourself in letters, e-mails and calls is recorded as well.",
];

/// Art. 15(1)(h), Art. 22: what the copy says while the agency has not described its own
/// automated decisions and profiling (`[controllers.XX.policy] automated_decisions`). Whether
/// and how an agency decides automatically is a fact about that agency, never a default.
pub const AUTOMATED_NOT_WRITTEN: [&str; 3] = [
    "Uppgiften om automatiserat beslutsfattande och profilering (artiklarna 15.1 h och 22) ska kompletteras av oss och har ännu inte fyllts i. Fråga oss gärna, så svarar vi.",
    "Tieto automaattisesta päätöksenteosta ja profiloinnista (15 artiklan 1 kohdan h alakohta ja 22 artikla) on vielä täydennettävä, eikä sitä ole vielä kirjoitettu. Voit kysyä sitä meiltä.",
    "The information on automated decision-making and profiling (Articles 15(1)(h) and 22) must still be completed by us and has not been written yet. Please ask us and we will answer.",
];

/// Warnings about the controller policy texts an agency must write itself.
pub fn policy_warnings(name: &str, policy: &PolicySettings) -> Vec<String> {
    let mut warnings = Vec::new();
    match &policy.automated_decisions {
        None => warnings.push(format!(
            "{name}: policy.automated_decisions is not set: access copies say the Art. 15(1)(h) information (automated decisions, profiling) must be completed"
        )),
        Some(text) => {
            for language in [Language::Sv, Language::Fi, Language::En] {
                if !text.has(language) {
                    warnings.push(format!(
                        "{name}: policy.automated_decisions has no {} text: copies in that language use another language's",
                        language.as_str()
                    ));
                }
            }
        }
    }
    warnings
}

/// Art. 15(2), Art. 44-46. The seeds: normally no transfers outside the EU/EEA; where one
/// happens, a legal ground and safeguards are ensured.
pub const DEFAULT_TRANSFERS: [&str; 3] = [
    "Vi för normalt inte över dina uppgifter till länder utanför EU/EES. Om det behövs – t.ex. när en fordran drivs in av en samarbetspartner i ett annat land eller en IT-leverantör har tillgång till uppgifterna därifrån – sker det bara till ett land som EU-kommissionen har bedömt ha adekvat skyddsnivå (art. 45) eller med EU-kommissionens standardavtalsklausuler (art. 46.2 c). Du kan begära en kopia av skyddsåtgärderna hos oss.",
    "Emme yleensä siirrä tietojasi EU:n/ETA:n ulkopuolelle. Jos se on tarpeen – esim. kun saatavaa perii yhteistyökumppani toisessa maassa tai IT-toimittajalla on pääsy tietoihin sieltä – siirto tehdään vain maahan, jonka tietosuojan taso on Euroopan komission päätöksellä riittävä (45 art.), tai komission vakiolausekkeiden perusteella (46 art. 2 c). Voit pyytää meiltä jäljennöksen suojatoimista.",
    "We do not normally transfer your data outside the EU/EEA. Where it is needed, for example when a claim is collected by a partner in another country or an IT supplier has access to the data from there, it happens only to a country the European Commission has found adequate (Art. 45) or under the Commission's standard contractual clauses (Art. 46(2)(c)). You may ask us for a copy of the safeguards.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_texts_are_the_configured_ones_else_the_default_in_the_reply_language() {
        let none = PolicySettings::default();
        assert_eq!(policy_texts(&none, Language::Fi).transfers, DEFAULT_TRANSFERS[1]);
        assert_eq!(policy_texts(&none, Language::En).sources_of_data, DEFAULT_SOURCES[2]);
        assert!(policy_texts(&none, Language::Sv).other_information.is_none());
        // Art. 15(1)(h): no invented default.
        assert_eq!(policy_texts(&none, Language::Sv).automated_decisions, AUTOMATED_NOT_WRITTEN[0]);
        assert_eq!(policy_warnings("SE", &none).len(), 1);
        let set = PolicySettings {
            automated_decisions: Some(LocalText::One("Inga automatiska beslut.".into())),
            ..PolicySettings::default()
        };
        assert_eq!(policy_texts(&set, Language::Fi).automated_decisions, "Inga automatiska beslut.");
        assert_eq!(policy_texts(&set, Language::Fi).transfers, DEFAULT_TRANSFERS[1]);
    }

    #[test]
    fn every_language_has_every_label() {
        for l in [Language::Sv, Language::Fi, Language::En] {
            let t = labels(l);
            assert!(t.held_for_client.contains("{n}") && t.held_for_client.contains("{client}"));
            assert!(t.e_rights_text.iter().all(|r| !r.is_empty()));
            assert_eq!(t.html_lang, l.as_str());
        }
    }
}
