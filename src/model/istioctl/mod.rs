//! Tables identical to `istioctl proxy-config`, built from a parsed config
//! dump. Each function returns the exact text istioctl prints, so people can
//! trust our tables and scripts can diff them.

pub mod bootstrap;
pub mod clusters;
pub mod ecds;
pub mod endpoints;
mod go_sort;
mod lenient;
pub mod listeners;
pub mod proto;
pub mod routes;
pub mod secrets;
pub mod tabwriter;

/// istioctl's `renderConfig`: an Istio config path in resource metadata
/// (`/apis/networking.istio.io/{v1,v1alpha3}/namespaces/NS/KIND/NAME`) as
/// `NAME.NS`; `<unknown>` for other paths, empty for none or a malformed path.
pub fn describe_management(config_path: Option<&str>) -> String {
    let Some(path) = config_path else {
        return String::new();
    };
    let known = ["v1", "v1alpha3"]
        .iter()
        .any(|v| path.starts_with(&format!("/apis/networking.istio.io/{v}/namespaces/")));
    if !known {
        return "<unknown>".to_string();
    }
    let pieces: Vec<&str> = path.split('/').collect();
    if pieces.len() != 8 {
        return String::new();
    }
    format!("{}.{}", pieces[7], pieces[5])
}

#[cfg(test)]
mod tests {
    use super::describe_management;

    #[test]
    fn management_paths() {
        assert_eq!(
            describe_management(Some(
                "/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"
            )),
            "reviews.default"
        );
        assert_eq!(
            describe_management(Some(
                "/apis/networking.istio.io/v1/namespaces/default/virtual-service/httpbin"
            )),
            "httpbin.default"
        );
        assert_eq!(describe_management(Some("/apis/other")), "<unknown>");
        assert_eq!(
            describe_management(Some("/apis/networking.istio.io/v1alpha3/namespaces/x")),
            ""
        );
        assert_eq!(describe_management(None), "");
    }
}
