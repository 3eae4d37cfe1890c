//! Collection messages (R-COL-3, issue 7 item 6): SMS and letter templates
//! rendered with a fixed loan's figures in en, es and zh (exact text), amounts
//! per locale with the currency's digits, and free text refused for written
//! messages.

use chrono::NaiveDate;
use credgrid_core::collection::Channel;
use credgrid_core::collection::message::{
    MessageBody, MessageError, MessageFigures, Template, TemplateRegistry, format_amount, format_date, render,
};
use credgrid_core::i18n::Locale;
use credgrid_core::money::{Currency, Money};

/// The fixed loan: 12,345.60 yuan overdue since 30 November 2026.
fn figures() -> MessageFigures<'static> {
    MessageFigures {
        borrower_name: "Zhang Wei",
        amount: Money::from_minor(1_234_560, Currency::CNY),
        date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        outlet_name: "Dongcun Outlet",
        outlet_phone: "0571-8888-1234",
    }
}

fn template(id: &str) -> MessageBody {
    MessageBody::Template { id: id.to_string() }
}

fn text(id: &str, channel: Channel, locale: Locale) -> String {
    render(
        &TemplateRegistry::standard(),
        &template(id),
        channel,
        locale,
        &figures(),
    )
    .unwrap()
    .text
}

#[test]
fn the_sms_reminder_reads_exactly_so_in_three_languages() {
    assert_eq!(
        text("sms_reminder", Channel::Sms, Locale::En),
        "Dear Zhang Wei, this is a friendly reminder from Dongcun Outlet: a payment of CNY 12,345.60 on \
         your loan was due on 30 November 2026. If you have already paid, thank you, and please ignore \
         this message. If you need help, please call us at 0571-8888-1234."
    );
    assert_eq!(
        text("sms_reminder", Channel::Sms, Locale::Es),
        "Estimado/a Zhang Wei: desde Dongcun Outlet le recordamos amablemente que un pago de 12.345,60 CNY \
         de su crédito venció el 30/11/2026. Si ya lo realizó, muchas gracias y disculpe la molestia. Si \
         necesita ayuda, llámenos al 0571-8888-1234."
    );
    assert_eq!(
        text("sms_reminder", Channel::Sms, Locale::Zh),
        "尊敬的Zhang Wei：您好！Dongcun Outlet温馨提示，您的贷款有12,345.60元已于2026年11月30日到期。\
         如您已还款，谢谢并请忽略本短信。如有困难，欢迎致电0571-8888-1234与我们联系。"
    );
}

#[test]
fn the_promise_reminder_reads_exactly_so_in_three_languages() {
    assert_eq!(
        text("sms_promise_reminder", Channel::Sms, Locale::En),
        "Dear Zhang Wei, thank you for your promise to pay CNY 12,345.60 by 30 November 2026. If anything \
         changes, please call Dongcun Outlet at 0571-8888-1234; we are glad to help."
    );
    assert_eq!(
        text("sms_promise_reminder", Channel::Sms, Locale::Es),
        "Estimado/a Zhang Wei: gracias por su compromiso de pagar 12.345,60 CNY a más tardar el 30/11/2026. \
         Si algo cambia, llame a Dongcun Outlet al 0571-8888-1234; con gusto le ayudaremos."
    );
    assert_eq!(
        text("sms_promise_reminder", Channel::Sms, Locale::Zh),
        "尊敬的Zhang Wei：感谢您承诺于2026年11月30日前还款12,345.60元。如有变化，请致电0571-8888-1234与\
         Dongcun Outlet联系，我们乐意为您提供帮助。"
    );
}

#[test]
fn the_letter_keeps_its_paragraphs() {
    let letter = text("letter_overdue_notice", Channel::Letter, Locale::En);
    assert_eq!(
        letter,
        "Dear Zhang Wei,\n\nOur records show that CNY 12,345.60 on your loan with Dongcun Outlet has been \
         overdue since 30 November 2026. We understand that circumstances can change, and we would like to \
         find a solution together with you. Please visit us or call 0571-8888-1234 at your earliest \
         convenience. If you have already paid, thank you, and please disregard this letter.\n\nYours \
         sincerely,\nDongcun Outlet"
    );
    for locale in [Locale::Es, Locale::Zh] {
        let letter = text("letter_overdue_notice", Channel::Letter, locale);
        assert_eq!(letter.matches("\n\n").count(), 2, "{letter}");
        assert!(letter.ends_with("Dongcun Outlet"), "{letter}");
    }
}

#[test]
fn free_text_and_mismatched_templates_are_refused() {
    let registry = TemplateRegistry::standard();
    let free = MessageBody::FreeText("Pay now or else".to_string());
    for channel in [Channel::Sms, Channel::Letter] {
        assert_eq!(
            render(&registry, &free, channel, Locale::En, &figures()),
            Err(MessageError::FreeTextNotAllowed { channel })
        );
    }
    assert!(matches!(
        render(
            &registry,
            &template("sms_reminder"),
            Channel::Letter,
            Locale::En,
            &figures()
        ),
        Err(MessageError::WrongChannel { .. })
    ));
    assert!(matches!(
        render(
            &registry,
            &template("threat"),
            Channel::Sms,
            Locale::En,
            &figures()
        ),
        Err(MessageError::UnknownTemplate { .. })
    ));
}

#[test]
fn bad_figures_are_refused_naming_the_field() {
    let registry = TemplateRegistry::standard();
    let sms = template("sms_reminder");
    let mut no_name = figures();
    no_name.borrower_name = " ";
    assert_eq!(
        render(&registry, &sms, Channel::Sms, Locale::En, &no_name),
        Err(MessageError::EmptyField {
            field: "borrower_name"
        })
    );
    let mut injected = figures();
    injected.outlet_name = "{amount}";
    assert!(matches!(
        render(&registry, &sms, Channel::Sms, Locale::En, &injected),
        Err(MessageError::FieldTooLong {
            field: "outlet_name",
            ..
        })
    ));
    let mut nothing_due = figures();
    nothing_due.amount = Money::zero(Currency::CNY);
    assert_eq!(
        render(&registry, &sms, Channel::Sms, Locale::En, &nothing_due),
        Err(MessageError::AmountNotPositive)
    );
}

#[test]
fn a_template_without_every_translation_cannot_be_registered() {
    let mut registry = TemplateRegistry::standard();
    let missing = Template {
        id: "sms_new",
        channel: Channel::Sms,
        key: "collection.template.not_written_yet",
    };
    assert!(matches!(
        registry.register(missing),
        Err(MessageError::MissingTranslation { .. })
    ));
    let duplicate = Template {
        id: "sms_reminder",
        channel: Channel::Sms,
        key: "collection.template.sms_reminder",
    };
    assert!(matches!(
        registry.register(duplicate),
        Err(MessageError::DuplicateTemplate { .. })
    ));
    let second = Template {
        id: "sms_reminder_short",
        channel: Channel::Sms,
        key: "collection.template.sms_reminder",
    };
    assert_eq!(registry.register(second), Ok(()));
    assert_eq!(registry.templates().len(), 4);
}

#[test]
fn amounts_follow_the_locale_and_the_currency_digits() {
    let jpy = Currency::new("JPY", 0).unwrap();
    let kwd = Currency::new("KWD", 3).unwrap();
    // (minor, currency, en, es, zh). Spanish groups only from five integer
    // digits (CLDR `es`; es-ES formats 1000 € as "1000,00 €" and 10000 as
    // "10.000,00 €", per the RAE's rule on grouping digits).
    let cases = [
        (
            123_456,
            Currency::CNY,
            "CNY 1,234.56",
            "1234,56 CNY",
            "1,234.56元",
        ),
        (
            100_000,
            Currency::CNY,
            "CNY 1,000.00",
            "1000,00 CNY",
            "1,000.00元",
        ),
        (
            1_234_567,
            Currency::CNY,
            "CNY 12,345.67",
            "12.345,67 CNY",
            "12,345.67元",
        ),
        (99_900, Currency::CNY, "CNY 999.00", "999,00 CNY", "999.00元"),
        (5, Currency::USD, "USD 0.05", "0,05 USD", "USD 0.05"),
        (1_234_567, jpy, "JPY 1,234,567", "1.234.567 JPY", "JPY 1,234,567"),
        (1_234_567, kwd, "KWD 1,234.567", "1234,567 KWD", "KWD 1,234.567"),
        (
            -123_456_789,
            Currency::MXN,
            "MXN -1,234,567.89",
            "-1.234.567,89 MXN",
            "MXN -1,234,567.89",
        ),
    ];
    for (minor, currency, en, es, zh) in cases {
        let amount = Money::from_minor(minor, currency);
        assert_eq!(format_amount(amount, Locale::En), en);
        assert_eq!(format_amount(amount, Locale::Es), es);
        assert_eq!(format_amount(amount, Locale::Zh), zh);
    }
}

#[test]
fn dates_follow_the_locale() {
    let date = NaiveDate::from_ymd_opt(2027, 3, 5).unwrap();
    assert_eq!(format_date(date, Locale::En), "5 March 2027");
    assert_eq!(format_date(date, Locale::Es), "05/03/2027");
    assert_eq!(format_date(date, Locale::Zh), "2027年3月5日");
}

#[test]
fn every_collection_label_is_translated_in_every_language() {
    use credgrid_core::collection::Outcome;
    use credgrid_core::collection::action::{ContactKind, ContactRelation};
    use credgrid_core::collection::post_loan::WarningKind;
    use credgrid_core::collection::priority::Factor;
    use credgrid_core::collection::promise::PromiseStatus;
    use credgrid_core::collection::strategy::Segment;
    use credgrid_core::i18n::has_key;

    let keys: Vec<String> = Channel::ALL
        .iter()
        .map(|c| c.key())
        .chain(Outcome::ALL.iter().map(|o| o.key()))
        .chain(ContactRelation::ALL.iter().map(|r| r.key()))
        .chain(ContactKind::ALL.iter().map(|k| k.key()))
        .chain(Factor::ALL.iter().map(|f| f.key()))
        .chain(Segment::ALL.iter().map(|s| s.key()))
        .chain(WarningKind::ALL.iter().map(|w| w.key()))
        .chain(PromiseStatus::ALL.iter().map(|p| p.key()))
        .collect();
    assert_eq!(keys.len(), 7 + 7 + 8 + 4 + 6 + 4 + 4 + 3);
    for key in &keys {
        for locale in Locale::ALL {
            assert!(has_key(locale, key), "{key} is missing in {}", locale.tag());
        }
    }
}
