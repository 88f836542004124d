//! Endpoints that answer in pages: [`stream`] follows the page tokens and yields every item once.
//!
//! It stops when the answer says `has_more: false`, when it gives no page token or an empty one (an
//! official SDK loops forever on an empty token), and before it would ask for a token it already asked
//! for, so a server that repeats itself cannot make it loop.

use std::collections::HashSet;

use futures::stream::BoxStream;
use futures::{StreamExt as _, TryStreamExt as _};

use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::Error;

/// A request of a paged endpoint. Generated.
pub trait Paged: Endpoint + Clone {
    /// The same request asking for the page after `page_token`.
    fn with_page_token(&self, page_token: String) -> Self;
}

/// The answer of a paged endpoint: one page of items and where the next one starts. Generated.
pub trait Page {
    /// One item of a page.
    type Item;
    /// Whether the platform says more pages follow.
    fn has_more(&self) -> Option<bool>;
    /// The token of the next page.
    fn next_page_token(&self) -> Option<&str>;
    /// The page's items.
    fn into_items(self) -> Vec<Self::Item>;
}

/// An answer's `page_token` field, optional or not.
#[doc(hidden)]
pub trait PageToken {
    /// The token, when there is one.
    fn page_token(&self) -> Option<&str>;
}

impl PageToken for String {
    fn page_token(&self) -> Option<&str> {
        Some(self)
    }
}

impl PageToken for Option<String> {
    fn page_token(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// Where a stream of pages stands.
enum Cursor<E> {
    Next(E, HashSet<String>),
    Done,
}

/// The items of every page of paged endpoint `E`, or the error that ended them. Boxed, so that it can be
/// polled where it stands (`stream.try_next().await`).
pub type Items<'a, E> = BoxStream<'a, Result<<<E as Endpoint>::Data as Page>::Item, Error<<E as Endpoint>::Error>>>;

/// Every item of every page, starting with `request`'s page, in order. A failed page ends the stream
/// with its error.
pub fn stream<E>(client: &Client, request: E) -> Items<'_, E>
where
    E: Paged + 'static,
    E::Data: Page,
    <E::Data as Page>::Item: Send,
{
    let pages = futures::stream::try_unfold(Cursor::Next(request, HashSet::new()), move |cursor| async move {
        let Cursor::Next(request, mut asked) = cursor else {
            return Ok(None);
        };
        let page = client.execute(&request).await?.data;
        let next = match (page.has_more(), page.next_page_token()) {
            (Some(false), _) | (_, None | Some("")) => None,
            (_, Some(token)) if !asked.insert(token.to_owned()) => {
                tracing::warn!(
                    endpoint = E::METADATA.id,
                    token,
                    "the platform repeated a page token; stopping"
                );
                None
            }
            (_, Some(token)) => Some(request.with_page_token(token.to_owned())),
        };
        let cursor = match next {
            Some(request) => Cursor::Next(request, asked),
            None => Cursor::Done,
        };
        Ok(Some((page.into_items(), cursor)))
    });
    futures::TryStreamExt::map_ok(pages, |items| futures::stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}
