//! The command line of examples/pipeline/PROTOCOL.md:
//! `pipeline-stats --ring NAME --out DIR [--report-ms 500]`.

use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "usage: pipeline-stats --ring NAME --out DIR [--report-ms 500]";

#[derive(Debug, PartialEq)]
pub struct Args {
    pub ring: String,
    pub out: PathBuf,
    pub report_every: Duration,
}

impl Args {
    /// Parses the arguments after the program name; the error is one line.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let (mut ring, mut out, mut report_ms) = (None, None, 500u64);
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value; {USAGE}"))?;
            match flag.as_str() {
                "--ring" => ring = Some(value),
                "--out" => out = Some(PathBuf::from(value)),
                "--report-ms" => {
                    report_ms = value
                        .parse()
                        .ok()
                        .filter(|&ms| ms > 0)
                        .ok_or_else(|| format!("--report-ms: {value:?} is not a positive integer"))?;
                }
                _ => return Err(format!("unknown argument {flag:?}; {USAGE}")),
            }
        }
        Ok(Args {
            ring: ring.filter(|r| !r.is_empty()).ok_or_else(|| format!("--ring is required; {USAGE}"))?,
            out: out.filter(|o| !o.as_os_str().is_empty()).ok_or_else(|| format!("--out is required; {USAGE}"))?,
            report_every: Duration::from_millis(report_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(
            parse(&["--ring", "/f", "--out", "d"]).unwrap(),
            Args { ring: "/f".into(), out: "d".into(), report_every: Duration::from_millis(500) }
        );
        assert_eq!(parse(&["--out", "d", "--report-ms", "20", "--ring", "/f"]).unwrap().report_every, Duration::from_millis(20));
    }

    #[test]
    fn refuses_bad_arguments() {
        for (args, why) in [
            (&["--out", "d"][..], "--ring is required"),
            (&["--ring", "/f"][..], "--out is required"),
            (&["--ring", "/f", "--out", "d", "--report-ms", "0"][..], "not a positive integer"),
            (&["--ring", "/f", "--out", "d", "--report-ms", "x"][..], "not a positive integer"),
            (&["--ring", "/f", "--out", "d", "--fast", "1"][..], "unknown argument"),
            (&["--ring", "/f", "--out"][..], "needs a value"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(why), "{args:?}: {err:?}");
            assert!(!err.contains('\n'), "one line: {err:?}");
        }
    }
}
