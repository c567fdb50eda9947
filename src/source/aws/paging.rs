//! Following page tokens (RDS `Marker`, CloudWatch and MSK `NextToken`) without trusting the
//! service to stop: a token that comes back unchanged, or more pages than any real fleet needs,
//! ends the operation with an error instead of calling forever.

/// Most pages one listing may take: 100,000 resources at the smallest page size.
pub const MAX_PAGES: usize = 5_000;

/// The token to send for the next page (`Ok(None)`: that was the last page), given the token
/// sent for this page, the one it returned and how many pages were fetched so far.
pub fn next_token(sent: Option<&str>, got: Option<&str>, pages: usize) -> Result<Option<String>, String> {
    match got {
        None | Some("") => Ok(None),
        Some(t) if sent == Some(t) => {
            Err(format!("paging did not advance: page {pages} returned the token it was sent"))
        }
        Some(_) if pages >= MAX_PAGES => Err(format!("paging did not end after {pages} pages")),
        Some(t) => Ok(Some(t.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_last_page_and_on_a_token_that_does_not_advance() {
        assert_eq!(next_token(None, None, 1), Ok(None));
        assert_eq!(next_token(Some("a"), Some(""), 2), Ok(None));
        assert_eq!(next_token(None, Some("a"), 1), Ok(Some("a".into())));
        assert_eq!(next_token(Some("a"), Some("b"), 2), Ok(Some("b".into())));
        let looped = next_token(Some("a"), Some("a"), 2).unwrap_err();
        assert!(looped.contains("did not advance"), "{looped}");
        let endless = next_token(Some("a"), Some("b"), MAX_PAGES).unwrap_err();
        assert!(endless.contains("5000 pages"), "{endless}");
    }
}
