//! Bundle round trip, offline serving, private atomic writes.

use super::*;

#[test]
fn private_keys_and_tokens_are_redacted() {
    let body = br#"{"secret":{"tls_certificate":{"private_key":{"inline_bytes":"c2VjcmV0"},"certificate_chain":{"inline_bytes":"Y2VydA=="}}},
        "grpc":{"initial_metadata":[{"key":"authorization","value":"Bearer abc.def.ghi"}]},"jwt":{"token":"xyz"},"count":3}"#;
    let out = String::from_utf8(redact(body).unwrap().body).unwrap();
    assert!(!out.contains("c2VjcmV0"), "{out}");
    assert!(!out.contains("abc.def.ghi"), "{out}");
    assert!(!out.contains("xyz"), "{out}");
    assert!(out.contains("Y2VydA=="), "certificates are public: {out}");
    // Verbatim: the old pretty re-serialisation (`"count": 3`) was the bug of issue 10.
    assert!(out.contains("\"count\":3"), "{out}");
    let text = b"header Authorization: Bearer sekrit-token\nnext";
    assert_eq!(
        redact(text).unwrap().body,
        b"header Authorization: Bearer [redacted]\nnext".to_vec()
    );
    assert_eq!(
        redact(b"{\"a\":1}").unwrap().body,
        b"{\"a\":1}".to_vec(),
        "unchanged JSON keeps its bytes"
    );
}

#[test]
fn bundle_round_trips_and_serves_offline() {
    let pod = TargetInfo {
        namespace: "default".into(),
        name: "fortio-1".into(),
        app: "fortio".into(),
        admin: Some("http://127.0.0.1:1".into()),
        agent: None,
        scenarios: vec![],
        ..Default::default()
    };
    let mut endpoints = BTreeMap::new();
    endpoints.insert(
        "ready".to_string(),
        Capture::from_result(Ok(Fetched {
            status: 503,
            body: Arc::new(b"PRE_INITIALIZING\n".to_vec()),
        })),
    );
    endpoints.insert(
        "memory".to_string(),
        Capture::from_result(Err(FetchError("timeout".into()))),
    );
    endpoints.insert(
        "stats".to_string(),
        Capture::from_result(Ok(Fetched {
            status: 200,
            body: Arc::new(vec![0xff, 0x00]),
        })),
    );
    let b = Bundle {
        format: BUNDLE_FORMAT.into(),
        captured_at: "2026-01-01T00:00:00Z".into(),
        istiod: BTreeMap::new(),
        pods: vec![PodCapture {
            target: pod.clone(),
            endpoints,
        }],
    };
    let dir = std::env::temp_dir().join(format!("meshscope-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("b.json");
    b.write(&path).unwrap();
    let back = Bundle::read(&path).unwrap();
    assert_eq!(back, b);
    let f = BundleFetcher::new(back);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ready = rt.block_on(f.fetch(Some(&pod), Endpoint::Ready)).unwrap();
    assert_eq!(
        (ready.status, ready.body.as_slice()),
        (503, &b"PRE_INITIALIZING\n"[..])
    );
    assert_eq!(
        rt.block_on(f.fetch(Some(&pod), Endpoint::Stats))
            .unwrap()
            .body
            .as_slice(),
        &[0xff, 0x00]
    );
    let e = rt
        .block_on(f.fetch(Some(&pod), Endpoint::Memory))
        .unwrap_err();
    assert_eq!(e.0, "memory: not captured: timeout");
    assert!(rt.block_on(f.fetch(None, Endpoint::Syncz)).is_err());
    std::fs::write(
        &path,
        "{\"format\":\"other\",\"captured_at\":\"x\",\"pods\":[]}",
    )
    .unwrap();
    assert!(Bundle::read(&path)
        .unwrap_err()
        .contains("unsupported bundle format `other`"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn error_text_quoting_a_secret_is_redacted_or_withheld() {
    let c = Capture::from_result(Err(FetchError(
        "http://x/config_dump answered HTTP 500: auth Bearer abc.def".into(),
    )));
    assert_eq!(
        c.error.as_deref(),
        Some("http://x/config_dump answered HTTP 500: auth Bearer [redacted]")
    );
    let c = Capture::from_result(Err(FetchError(
        "http://x answered HTTP 500: {\"private_key\":\"sekrit\"".into(),
    )));
    let e = c.error.unwrap_or_default();
    assert!(!e.contains("sekrit"), "{e}");
    assert!(e.starts_with("(the error text is withheld"), "{e}");
}

#[test]
fn a_body_that_cannot_be_redacted_is_not_stored() {
    let c = Capture::from_result(Ok(Fetched {
        status: 200,
        body: Arc::new(br#"{"private_key":"sekrit""#.to_vec()),
    }));
    assert!(c.refused());
    assert_eq!((c.status, &c.text, &c.base64), (200, &None, &None));
    assert!(c
        .error
        .unwrap_or_default()
        .starts_with("not stored: a secret could not be ruled out (not redactable JSON"));
}
