//! Envoy admin `/server_info`: state, uptime and the build version, whose
//! string (`<sha>/1.40.0/Clean/RELEASE/BoringSSL`) is split into its parts.

use serde::Deserialize;

/// What the views show of `/server_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// `LIVE`, `DRAINING`, `PRE_INITIALIZING`, `INITIALIZING`.
    pub state: String,
    /// Seconds since this process started (`uptime_current_epoch`, e.g. `3600s`).
    pub uptime: String,
    /// The build.
    pub version: EnvoyVersion,
}

/// Envoy's build version, parsed from `sha/version/status/build/ssl`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvoyVersion {
    /// `1.40.0` (the whole string when it has no `/`).
    pub number: String,
    /// The git SHA of the build.
    pub sha: String,
    /// `RELEASE` or `DEBUG`.
    pub build: String,
    /// `BoringSSL`, `BoringSSL-FIPS`, `OpenSSL`.
    pub ssl: String,
}

impl EnvoyVersion {
    /// Parses `9e55809…/1.40.0/Clean/RELEASE/BoringSSL`.
    pub fn parse(s: &str) -> EnvoyVersion {
        let parts: Vec<&str> = s.trim().split('/').collect();
        match parts.as_slice() {
            [sha, number, _status, build, ssl, ..] => EnvoyVersion {
                number: number.to_string(),
                sha: sha.to_string(),
                build: build.to_string(),
                ssl: ssl.to_string(),
            },
            [sha, number, ..] => EnvoyVersion {
                number: number.to_string(),
                sha: sha.to_string(),
                ..EnvoyVersion::default()
            },
            _ => EnvoyVersion {
                number: s.trim().to_string(),
                ..EnvoyVersion::default()
            },
        }
    }

    /// `1.40.0 (9e55809, RELEASE, BoringSSL)`: the number first, so a narrow
    /// cell keeps it.
    pub fn display(&self) -> String {
        let sha: String = self.sha.chars().take(7).collect();
        let rest: Vec<&str> = [sha.as_str(), &self.build, &self.ssl]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if rest.is_empty() {
            self.number.clone()
        } else {
            format!("{} ({})", self.number, rest.join(", "))
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default, alias = "uptimeCurrentEpoch")]
    uptime_current_epoch: Option<String>,
}

impl ServerInfo {
    /// Parses the body; the error says why it is not `/server_info` JSON.
    pub fn parse(body: &str) -> Result<ServerInfo, String> {
        let raw: Raw = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
        Ok(ServerInfo {
            state: raw.state.unwrap_or_else(|| "?".into()),
            uptime: raw.uptime_current_epoch.unwrap_or_else(|| "?".into()),
            version: EnvoyVersion::parse(raw.version.as_deref().unwrap_or("")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_real_version_string() {
        let v = EnvoyVersion::parse(
            "9e5580933739775e8bce696a57a2e1bc99368f23/1.40.0/Clean/RELEASE/BoringSSL",
        );
        assert_eq!(v.number, "1.40.0");
        assert_eq!(v.display(), "1.40.0 (9e55809, RELEASE, BoringSSL)");
        assert_eq!(EnvoyVersion::parse("1.22.0").display(), "1.22.0");
        let s = ServerInfo::parse(r#"{"state":"LIVE","version":"a/1.36.4/Clean/RELEASE/BoringSSL","uptime_current_epoch":"12s"}"#).unwrap();
        assert_eq!(
            (
                s.state.as_str(),
                s.uptime.as_str(),
                s.version.number.as_str()
            ),
            ("LIVE", "12s", "1.36.4")
        );
        assert!(ServerInfo::parse("<html>")
            .unwrap_err()
            .starts_with("not JSON"));
    }
}
