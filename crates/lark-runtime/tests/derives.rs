//! The derives on structs shaped like generated ones: accessors, the next page's request, a page's parts.

#![allow(missing_docs)]

use lark_runtime::__private::prelude::{Accessors, Page, Paged};
use lark_runtime::{Endpoint, EndpointMetadata, HttpMethod, Page as _, Paged as _, Validate};

#[derive(Debug, Clone, PartialEq, serde::Serialize, Accessors, Paged)]
pub struct ListRequest {
    chat_id: String,
    page_size: Option<i32>,
    page_token: Option<String>,
    r#type: Option<Vec<String>>,
}

#[derive(Debug, Default)]
pub struct ListRequestBuilder;

impl Validate for ListRequest {}

impl Endpoint for ListRequest {
    type Data = lark_runtime::NoData;
    type Error = lark_runtime::UndocumentedError;
    const METADATA: &'static EndpointMetadata = &EndpointMetadata::new(
        "demo.v1.thing.list",
        "List things.",
        HttpMethod::Get,
        "/open-apis/demo/v1/things",
    );
}

/// An answer whose fields are all optional, as most pages give them.
#[derive(Debug, Default, Page)]
pub struct OptionalPage {
    has_more: Option<bool>,
    page_token: Option<String>,
    #[page_items]
    items: Option<Vec<u32>>,
}

/// An answer whose fields are all required.
#[derive(Debug, Page)]
pub struct RequiredPage {
    has_more: bool,
    page_token: String,
    #[page_items]
    users: Vec<String>,
}

fn request() -> ListRequest {
    ListRequest {
        chat_id: "oc_1".to_owned(),
        page_size: Some(20),
        page_token: None,
        r#type: None,
    }
}

#[test]
fn accessors_lend_each_field_and_options_as_options_of_references() {
    let request = request();
    assert_eq!(request.chat_id(), "oc_1");
    assert_eq!(request.page_size(), Some(&20));
    assert_eq!(request.page_token(), None);
    assert_eq!(request.r#type(), None);
    let _: ListRequestBuilder = ListRequest::builder();
}

#[test]
fn the_next_page_is_the_same_request_with_the_token() {
    let first = request();
    let next = first.with_page_token("t2".to_owned());
    assert_eq!(next.page_token(), Some(&"t2".to_owned()));
    assert_eq!((next.chat_id(), next.page_size()), (first.chat_id(), first.page_size()));
}

#[test]
fn a_page_reads_optional_and_required_fields_alike() {
    let empty = OptionalPage::default();
    assert_eq!((empty.has_more(), empty.next_page_token()), (None, None));
    assert!(empty.into_items().is_empty());
    let full = OptionalPage {
        has_more: Some(true),
        page_token: Some("t".to_owned()),
        items: Some(vec![1, 2]),
    };
    assert_eq!((full.has_more(), full.next_page_token()), (Some(true), Some("t")));
    assert_eq!(full.into_items(), [1, 2]);
    let required = RequiredPage {
        has_more: false,
        page_token: String::new(),
        users: vec!["u".to_owned()],
    };
    assert_eq!(
        (required.has_more(), required.next_page_token()),
        (Some(false), Some(""))
    );
    assert_eq!(required.into_items(), ["u"]);
}
