//! INFO's text as the Prometheus text exposition format 0.0.4.
//!
//! [`render`] reads INFO's sections and writes the fields it knows as
//! metric families named after Prometheus's conventions (prefix `shoal_`,
//! base units, counters ending in `_total`, one `# HELP` and `# TYPE` per
//! family). Fields it does not know, and values that are not plain
//! decimal numbers, are skipped, so INFO may grow without breaking the
//! exposition.

use std::collections::HashSet;
use std::fmt::Write;

/// Whether a family only goes up (until a restart or CONFIG RESETSTAT) or
/// goes up and down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

/// How INFO's value becomes the family's base unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    /// As INFO writes it.
    Same,
    /// Microseconds, to seconds.
    Micros,
    /// KiB per second (`instantaneous_*_kbps`), to bytes per second.
    KibPerSecond,
}

/// One metric family: its name, `# HELP` text, `# TYPE` and unit.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    unit: Unit,
}

const fn counter(name: &'static str, help: &'static str, unit: Unit) -> Family {
    Family {
        name,
        help,
        kind: Kind::Counter,
        unit,
    }
}

const fn gauge(name: &'static str, help: &'static str, unit: Unit) -> Family {
    Family {
        name,
        help,
        kind: Kind::Gauge,
        unit,
    }
}

use Unit::{KibPerSecond, Micros, Same};

/// The node-wide fields exported: (section, field, family). Section
/// names are compared in lower case.
#[rustfmt::skip]
static NODE_FIELDS: &[(&str, &str, Family)] = &[
    ("server", "uptime_in_seconds", gauge("shoal_uptime_seconds", "Seconds since the server started.", Same)),
    ("clients", "connected_clients", gauge("shoal_connected_clients", "Client connections open on the Redis port.", Same)),
    ("clients", "blocked_clients", gauge("shoal_blocked_clients", "Clients waiting in a blocking command.", Same)),
    ("clients", "clients_in_timeout_table", gauge("shoal_clients_in_timeout_table", "Blocked clients whose command has a timeout.", Same)),
    ("clients", "maxclients", gauge("shoal_maxclients", "The maxclients setting.", Same)),
    ("memory", "used_memory", gauge("shoal_memory_used_bytes", "Bytes the server has allocated (INFO used_memory).", Same)),
    ("memory", "used_memory_rss", gauge("shoal_memory_used_rss_bytes", "Resident set size of the process.", Same)),
    ("memory", "used_memory_peak", gauge("shoal_memory_used_peak_bytes", "The most used_memory seen.", Same)),
    ("memory", "maxmemory", gauge("shoal_memory_max_bytes", "The maxmemory setting (0: no limit).", Same)),
    ("memory", "mem_fragmentation_ratio", gauge("shoal_memory_fragmentation_ratio", "Resident set size divided by used_memory.", Same)),
    ("memory", "lazyfree_pending_objects", gauge("shoal_lazyfree_pending_objects", "Values waiting to be freed in the background.", Same)),
    ("memory", "lazyfreed_objects", counter("shoal_lazyfreed_objects_total", "Values freed in the background.", Same)),
    ("stats", "total_connections_received", counter("shoal_connections_received_total", "Client connections accepted on the Redis port.", Same)),
    ("stats", "total_commands_processed", counter("shoal_commands_processed_total", "Commands processed.", Same)),
    ("stats", "instantaneous_ops_per_sec", gauge("shoal_instantaneous_ops_per_second", "Commands processed per second, recently (INFO instantaneous_ops_per_sec).", Same)),
    ("stats", "total_net_input_bytes", counter("shoal_net_input_bytes_total", "Bytes read from clients.", Same)),
    ("stats", "total_net_output_bytes", counter("shoal_net_output_bytes_total", "Bytes written to clients.", Same)),
    ("stats", "instantaneous_input_kbps", gauge("shoal_instantaneous_input_bytes_per_second", "Bytes read from clients per second, recently.", KibPerSecond)),
    ("stats", "instantaneous_output_kbps", gauge("shoal_instantaneous_output_bytes_per_second", "Bytes written to clients per second, recently.", KibPerSecond)),
    ("stats", "rejected_connections", counter("shoal_rejected_connections_total", "Connections refused because of maxclients.", Same)),
    ("stats", "expired_keys", counter("shoal_expired_keys_total", "Keys removed because their time to live passed.", Same)),
    ("stats", "evicted_keys", counter("shoal_evicted_keys_total", "Keys evicted to stay under maxmemory.", Same)),
    ("stats", "keyspace_hits", counter("shoal_keyspace_hits_total", "Key lookups that found the key.", Same)),
    ("stats", "keyspace_misses", counter("shoal_keyspace_misses_total", "Key lookups that did not find the key.", Same)),
    ("cpu", "used_cpu_sys", counter("shoal_cpu_sys_seconds_total", "System CPU time the process used.", Same)),
    ("cpu", "used_cpu_user", counter("shoal_cpu_user_seconds_total", "User CPU time the process used.", Same)),
];

/// A section whose lines are `<prefix><label value>:k=v,k=v,...`, each
/// `k` a family with the line's label.
struct Labelled {
    section: &'static str,
    prefix: &'static str,
    label: &'static str,
    /// The label's value is an index (shard, database): decimal digits.
    index: bool,
    fields: &'static [(&'static str, Family)],
}

#[rustfmt::skip]
static LABELLED: &[Labelled] = &[
    Labelled {
        section: "keyspace",
        prefix: "db",
        label: "db",
        index: true,
        // avg_ttl is not exported: Shoal does not measure it (INFO says 0).
        fields: &[
            ("keys", gauge("shoal_db_keys", "Keys in the database.", Same)),
            ("expires", gauge("shoal_db_keys_expiring", "Keys with a time to live in the database.", Same)),
        ],
    },
    Labelled {
        section: "shards",
        prefix: "shard",
        label: "shard",
        index: true,
        fields: &[
            ("keys", gauge("shoal_shard_keys", "Keys the shard holds, all databases.", Same)),
            ("expires", gauge("shoal_shard_keys_expiring", "Keys with a time to live the shard holds.", Same)),
            ("used_memory", gauge("shoal_shard_memory_used_bytes", "Bytes allocated by the shard's core.", Same)),
            ("connected_clients", gauge("shoal_shard_connected_clients", "Client connections the shard's core serves.", Same)),
            ("total_commands_processed", counter("shoal_shard_commands_processed_total", "Commands processed by the shard's core's connections.", Same)),
            ("instantaneous_ops_per_sec", gauge("shoal_shard_instantaneous_ops_per_second", "Commands processed per second, recently, by the shard's core's connections.", Same)),
            ("total_net_input_bytes", counter("shoal_shard_net_input_bytes_total", "Bytes read from the shard's core's clients.", Same)),
            ("total_net_output_bytes", counter("shoal_shard_net_output_bytes_total", "Bytes written to the shard's core's clients.", Same)),
            ("keyspace_hits", counter("shoal_shard_keyspace_hits_total", "Key lookups in the shard that found the key.", Same)),
            ("keyspace_misses", counter("shoal_shard_keyspace_misses_total", "Key lookups in the shard that did not find the key.", Same)),
            ("expired_keys", counter("shoal_shard_expired_keys_total", "Keys the shard removed because their time to live passed.", Same)),
            ("evicted_keys", counter("shoal_shard_evicted_keys_total", "Keys the shard evicted to stay under maxmemory.", Same)),
        ],
    },
    // Redis 7.0's per-command figures (usec_per_call is usec / calls and
    // is not exported).
    Labelled {
        section: "commandstats",
        prefix: "cmdstat_",
        label: "cmd",
        index: false,
        fields: &[
            ("calls", counter("shoal_commands_total", "Calls of the command.", Same)),
            ("usec", counter("shoal_commands_duration_seconds_total", "Time spent running the command.", Micros)),
            ("rejected_calls", counter("shoal_commands_rejected_calls_total", "Calls of the command refused before it ran.", Same)),
            ("failed_calls", counter("shoal_commands_failed_calls_total", "Calls of the command that ran and answered an error.", Same)),
        ],
    },
    Labelled {
        section: "errorstats",
        prefix: "errorstat_",
        label: "error",
        index: false,
        fields: &[
            ("count", counter("shoal_errors_total", "Error replies, by their first word.", Same)),
        ],
    },
];

/// Redis 7.0's `# Latencystats`: `latency_percentiles_usec_<cmd>:p50=..,`
/// each `pN` a sample of this family with labels `cmd` and `quantile`.
const LATENCY_SECTION: &str = "latencystats";
const LATENCY_PREFIX: &str = "latency_percentiles_usec_";
static LATENCY: Family = gauge(
    "shoal_command_latency_seconds",
    "Percentiles of the command's latency.",
    Micros,
);

/// The exposition being written: families in the order first seen, each
/// with its samples, and every series written so far (a series INFO names
/// twice is written once).
#[derive(Default)]
struct Exposition {
    families: Vec<(&'static Family, String)>,
    series: HashSet<String>,
}

impl Exposition {
    /// Adds a sample of `family` with `labels` and INFO's `value`, unless
    /// the value is not a number the family can take or the series is
    /// already there.
    fn add(&mut self, family: &'static Family, labels: &[(&str, &str)], value: &str) {
        let Some(value) = convert(value, family) else {
            return;
        };
        let mut series = String::from(family.name);
        if !labels.is_empty() {
            series.push('{');
            for (i, (name, v)) in labels.iter().enumerate() {
                if i > 0 {
                    series.push(',');
                }
                series.push_str(name);
                series.push_str("=\"");
                escape_label_value(v, &mut series);
                series.push('"');
            }
            series.push('}');
        }
        if self.series.contains(&series) {
            return;
        }
        let at = match self
            .families
            .iter()
            .position(|(f, _)| f.name == family.name)
        {
            Some(at) => at,
            None => {
                self.families.push((family, String::new()));
                self.families.len() - 1
            }
        };
        let samples = &mut self.families[at].1;
        let _ = writeln!(samples, "{series} {value}");
        self.series.insert(series);
    }

    fn finish(self) -> String {
        let mut out = String::new();
        for (family, samples) in &self.families {
            let kind = match family.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
            };
            let _ = write!(out, "# HELP {} ", family.name);
            escape_help(family.help, &mut out);
            let _ = writeln!(out, "\n# TYPE {} {kind}", family.name);
            out.push_str(samples);
        }
        out
    }
}

/// Turns INFO's text into the Prometheus text exposition format 0.0.4.
/// Never fails: what it does not understand it leaves out.
pub fn render(info: &str) -> String {
    let mut exposition = Exposition::default();
    let mut section = String::new();
    for line in info.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(name) = line.strip_prefix('#') {
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        if let Some(labelled) = LABELLED.iter().find(|l| l.section == section) {
            labelled_line(&mut exposition, labelled, line);
        } else if section == LATENCY_SECTION {
            latency_line(&mut exposition, line);
        } else if let Some((field, value)) = line.split_once(':') {
            if let Some((_, _, family)) = NODE_FIELDS
                .iter()
                .find(|(s, f, _)| *s == section && *f == field)
            {
                exposition.add(family, &[], value);
            }
        }
    }
    exposition.finish()
}

/// A line's label value and its `k=v` pairs, when it starts with `prefix`.
/// The pairs hold no `:`, the label value may (an error's name).
fn split_labelled<'a>(line: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let (name, pairs) = line.rsplit_once(':')?;
    let value = name.strip_prefix(prefix)?;
    (!value.is_empty()).then_some((value, pairs))
}

fn labelled_line(exposition: &mut Exposition, labelled: &'static Labelled, line: &str) {
    let Some((value, pairs)) = split_labelled(line, labelled.prefix) else {
        return;
    };
    if labelled.index && !value.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    for (k, v) in pairs.split(',').filter_map(|p| p.split_once('=')) {
        if let Some((_, family)) = labelled.fields.iter().find(|(f, _)| *f == k) {
            exposition.add(family, &[(labelled.label, value)], v);
        }
    }
}

fn latency_line(exposition: &mut Exposition, line: &str) {
    let Some((cmd, pairs)) = split_labelled(line, LATENCY_PREFIX) else {
        return;
    };
    for (k, v) in pairs.split(',').filter_map(|p| p.split_once('=')) {
        let Some(quantile) = k.strip_prefix('p').and_then(quantile) else {
            continue;
        };
        exposition.add(&LATENCY, &[("cmd", cmd), ("quantile", &quantile)], v);
    }
}

/// A plain decimal number as INFO writes them, `-?digits[.digits]`:
/// (negative, integer digits, fraction digits).
fn decimal(text: &str) -> Option<(bool, &str, &str)> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() && digits(int) && digits(frac)).then_some((negative, int, frac))
}

/// The decimal `int.frac` divided by 10^`places`, exactly (no binary
/// rounding), without needless zeros.
fn shift_point_left(int: &str, frac: &str, places: usize) -> String {
    let (new_int, new_frac) = if int.len() > places {
        let split = int.len() - places;
        (int[..split].to_string(), format!("{}{frac}", &int[split..]))
    } else {
        let zeros = "0".repeat(places - int.len());
        ("0".to_string(), format!("{zeros}{int}{frac}"))
    };
    let new_int = new_int.trim_start_matches('0');
    let new_frac = new_frac.trim_end_matches('0');
    match (new_int.is_empty(), new_frac.is_empty()) {
        (true, true) => "0".to_string(),
        (true, false) => format!("0.{new_frac}"),
        (false, true) => new_int.to_string(),
        (false, false) => format!("{new_int}.{new_frac}"),
    }
}

/// INFO's `value` in `family`'s unit, as the exposition writes it; none
/// when it is not a plain decimal number, or negative for a counter.
fn convert(value: &str, family: &Family) -> Option<String> {
    let (negative, int, frac) = decimal(value)?;
    let is_zero = int.bytes().chain(frac.bytes()).all(|b| b == b'0');
    if negative && family.kind == Kind::Counter && !is_zero {
        return None;
    }
    let sign = if negative && !is_zero { "-" } else { "" };
    match family.unit {
        Unit::Same => Some(value.to_string()),
        Unit::Micros => Some(format!("{sign}{}", shift_point_left(int, frac, 6))),
        Unit::KibPerSecond => {
            let v = value.parse::<f64>().ok()? * 1024.0;
            v.is_finite().then(|| format!("{v}"))
        }
    }
}

/// The quantile a Latencystats percentile name stands for (`99.9` ->
/// `0.999`), exactly; none unless it is a number from 0 to 100.
fn quantile(percentile: &str) -> Option<String> {
    let (negative, int, frac) = decimal(percentile)?;
    let q = shift_point_left(int, frac, 2);
    let in_range = q == "1" || q == "0" || q.starts_with("0.");
    (!negative && in_range).then_some(q)
}

/// A label value as the text format wants it: `\`, `"` and line feed
/// escaped.
fn escape_label_value(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A `# HELP` text as the text format wants it: `\` and line feed escaped.
fn escape_help(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// INFO as Shoal writes it with two shards, and the three sections
    /// Redis 7.0 has and Shoal is growing.
    const INFO: &str = "# Server\r\nredis_version:7.0.15\r\nos:Linux 6.1 x86_64\r\nexecutable:/usr/bin/shoal-server\r\nuptime_in_seconds:42\r\nuptime_in_days:0\r\n\r\n# Clients\r\nconnected_clients:3\r\nmaxclients:10000\r\nblocked_clients:1\r\n\r\n# Memory\r\nused_memory:1277032\r\nused_memory_human:1.22M\r\nmaxmemory_policy:noeviction\r\nmem_fragmentation_ratio:3.25\r\n\r\n# Stats\r\ntotal_commands_processed:17\r\ninstantaneous_input_kbps:0.50\r\nkeyspace_hits:5\r\nkeyspace_misses:2\r\n\r\n# CPU\r\nused_cpu_sys:0.012345\r\nused_cpu_user:1.500000\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n\r\n# Shards\r\nshard0:keys=1,expires=0,used_memory=1277032,connected_clients=0,total_commands_processed=1,instantaneous_ops_per_sec=0,total_net_input_bytes=27,total_net_output_bytes=5,keyspace_hits=0,keyspace_misses=0,expired_keys=0,evicted_keys=0\r\nshard1:keys=3,expires=1,used_memory=2000,connected_clients=3,total_commands_processed=16,instantaneous_ops_per_sec=2,total_net_input_bytes=300,total_net_output_bytes=70,keyspace_hits=5,keyspace_misses=2,expired_keys=4,evicted_keys=0\r\n\r\n# Commandstats\r\ncmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=1\r\ncmdstat_config|get:calls=1,usec=1500000,usec_per_call=1500000.00,rejected_calls=2,failed_calls=0\r\n\r\n# Errorstats\r\nerrorstat_WRONGTYPE:count=2\r\nerrorstat_ERR:count=1\r\n\r\n# Latencystats\r\nlatency_percentiles_usec_get:p50=1.003,p99=4.015,p99.9=10.047\r\nlatency_percentiles_usec_config|get:p50=1500000.000,p100=1500000.000\r\n";

    /// Checks the text format: every family's `# HELP` then `# TYPE` once,
    /// before its samples, which are contiguous, each `name{labels} value`
    /// with a value that parses; counters end in `_total`. Returns the
    /// samples by series.
    fn parse(text: &str) -> HashMap<String, f64> {
        let mut helped = HashSet::new();
        let mut typed = HashSet::new();
        let mut current: Option<(String, String)> = None;
        let mut samples = HashMap::new();
        assert!(text.is_empty() || text.ends_with('\n'));
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap().to_string();
                assert!(helped.insert(name.clone()), "HELP twice: {name}");
                current = None;
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(helped.contains(name), "TYPE before HELP: {name}");
                assert!(typed.insert(name.to_string()), "TYPE twice: {name}");
                assert!(kind == "counter" || kind == "gauge", "{line}");
                assert_eq!(kind == "counter", name.ends_with("_total"), "{name}");
                current = Some((name.to_string(), kind.to_string()));
                continue;
            }
            let (family, _) = current.as_ref().expect("sample outside a family");
            let (series, value) = line.rsplit_once(' ').unwrap();
            let name = series.split('{').next().unwrap();
            assert_eq!(name, family, "{line}");
            assert!(name.starts_with("shoal_"), "{name}");
            assert!(name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            let value: f64 = value.parse().unwrap();
            assert!(
                samples.insert(series.to_string(), value).is_none(),
                "{series} twice"
            );
        }
        samples
    }

    #[test]
    fn node_fields_become_families_in_base_units() {
        let text = render(INFO);
        let m = parse(&text);
        assert_eq!(m["shoal_uptime_seconds"], 42.0);
        assert_eq!(m["shoal_connected_clients"], 3.0);
        assert_eq!(m["shoal_blocked_clients"], 1.0);
        assert_eq!(m["shoal_memory_used_bytes"], 1277032.0);
        assert_eq!(m["shoal_memory_fragmentation_ratio"], 3.25);
        assert_eq!(m["shoal_commands_processed_total"], 17.0);
        assert_eq!(m["shoal_instantaneous_input_bytes_per_second"], 512.0);
        assert_eq!(m["shoal_keyspace_hits_total"], 5.0);
        assert_eq!(m["shoal_keyspace_misses_total"], 2.0);
        assert_eq!(m["shoal_cpu_sys_seconds_total"], 0.012345);
        assert_eq!(m["shoal_cpu_user_seconds_total"], 1.5);
        assert!(text.contains("# TYPE shoal_keyspace_hits_total counter\n"));
        assert!(text.contains("# TYPE shoal_memory_used_bytes gauge\n"));
        assert!(text.contains("# HELP shoal_keyspace_hits_total Key lookups that found the key.\n"));
        // Text fields, *_human and fields no family is made of are left out.
        assert!(!text.contains("human") && !text.contains("version"));
        assert!(!text.contains("uptime_in_days") && !text.contains("avg_ttl"));
    }

    #[test]
    fn shards_and_databases_are_labelled() {
        let m = parse(&render(INFO));
        assert_eq!(m["shoal_shard_keys{shard=\"0\"}"], 1.0);
        assert_eq!(m["shoal_shard_keys{shard=\"1\"}"], 3.0);
        assert_eq!(m["shoal_shard_memory_used_bytes{shard=\"0\"}"], 1277032.0);
        assert_eq!(m["shoal_shard_net_input_bytes_total{shard=\"1\"}"], 300.0);
        assert_eq!(m["shoal_shard_expired_keys_total{shard=\"1\"}"], 4.0);
        assert_eq!(
            m["shoal_shard_instantaneous_ops_per_second{shard=\"1\"}"],
            2.0
        );
        assert_eq!(m["shoal_db_keys{db=\"0\"}"], 3.0);
        assert_eq!(m["shoal_db_keys_expiring{db=\"0\"}"], 1.0);
        assert_eq!(m["shoal_db_keys{db=\"2\"}"], 1.0);
        let per_shard = m.keys().filter(|k| k.starts_with("shoal_shard_")).count();
        assert_eq!(per_shard, 2 * 12);
    }

    #[test]
    fn commandstats_errorstats_and_latencystats_in_redis_7_format() {
        let text = render(INFO);
        let m = parse(&text);
        assert_eq!(m["shoal_commands_total{cmd=\"get\"}"], 3.0);
        assert_eq!(m["shoal_commands_total{cmd=\"config|get\"}"], 1.0);
        assert_eq!(
            m["shoal_commands_duration_seconds_total{cmd=\"get\"}"],
            12e-6
        );
        assert_eq!(
            m["shoal_commands_duration_seconds_total{cmd=\"config|get\"}"],
            1.5
        );
        assert_eq!(
            m["shoal_commands_rejected_calls_total{cmd=\"config|get\"}"],
            2.0
        );
        assert_eq!(m["shoal_commands_failed_calls_total{cmd=\"get\"}"], 1.0);
        assert_eq!(m["shoal_errors_total{error=\"WRONGTYPE\"}"], 2.0);
        assert_eq!(m["shoal_errors_total{error=\"ERR\"}"], 1.0);
        // Quantiles are exact decimals, values exact seconds.
        assert!(text.contains(
            "shoal_command_latency_seconds{cmd=\"get\",quantile=\"0.999\"} 0.000010047\n"
        ));
        assert!(text
            .contains("shoal_command_latency_seconds{cmd=\"get\",quantile=\"0.5\"} 0.000001003\n"));
        assert!(
            text.contains("shoal_command_latency_seconds{cmd=\"config|get\",quantile=\"1\"} 1.5\n")
        );
        assert!(text.contains("# TYPE shoal_command_latency_seconds gauge\n"));
        assert!(!text.contains("usec_per_call"));
    }

    #[test]
    fn each_family_is_written_once_with_its_samples_together() {
        // Two shard lines interleave twelve families; a repeated section
        // and a repeated line add nothing.
        let info =
            format!("{INFO}\r\n# Stats\r\nkeyspace_hits:99\r\n# Shards\r\nshard0:keys=7\r\n");
        let text = render(&info);
        let m = parse(&text);
        assert_eq!(m["shoal_keyspace_hits_total"], 5.0);
        assert_eq!(m["shoal_shard_keys{shard=\"0\"}"], 1.0);
        assert_eq!(text.matches("# TYPE shoal_shard_keys gauge").count(), 1);
        let block: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("# TYPE shoal_shard_keys "))
            .skip(1)
            .take(3)
            .collect();
        assert_eq!(
            block,
            [
                "shoal_shard_keys{shard=\"0\"} 1",
                "shoal_shard_keys{shard=\"1\"} 3",
                "# HELP shoal_shard_keys_expiring Keys with a time to live the shard holds.",
            ]
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let info = "# Errorstats\r\nerrorstat_a\"b\\c:count=1\r\nerrorstat_x:y:count=2\r\n# Commandstats\r\ncmdstat_we\"ird\\:calls=5\r\n";
        let text = render(info);
        assert!(
            text.contains("shoal_errors_total{error=\"a\\\"b\\\\c\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("shoal_errors_total{error=\"x:y\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("shoal_commands_total{cmd=\"we\\\"ird\\\\\"} 5\n"),
            "{text}"
        );
        let mut out = String::new();
        escape_label_value("a\nb", &mut out);
        assert_eq!(out, "a\\nb");
        let mut out = String::new();
        escape_help("a\\b\nc", &mut out);
        assert_eq!(out, "a\\\\b\\nc");
        parse(&text);
    }

    #[test]
    fn bad_input_is_skipped_never_a_panic() {
        assert_eq!(render(""), "");
        assert_eq!(render("\r\n\r\n#\r\n# \r\n:\r\n::::\r\n"), "");
        let info = "keyspace_hits:5\r\n# Stats\r\nkeyspace_hits:abc\r\nkeyspace_misses:-3\r\nexpired_keys:1e5\r\nevicted_keys:inf\r\ntotal_commands_processed:NaN\r\nrejected_connections:1.\r\ntotal_net_input_bytes:.5\r\ntotal_net_output_bytes:\r\nno_such_field:3\r\nkeyspace_hits\r\n# Memory\r\nused_memory:--1\r\nmem_fragmentation_ratio:-0.5\r\n# Shards\r\nshardX:keys=1\r\nshard:keys=1\r\nshard0:keys\r\nshard0:keys=,expires=x,=3,nosuch=1\r\nshard1:keys=2,keys=3\r\nshard-1:keys=1\r\n# Keyspace\r\ndb0\r\ndb:keys=1\r\n# Commandstats\r\ncmdstat_:calls=1\r\ncmdstat_get:calls=-1,usec=1.2.3\r\n# Latencystats\r\nlatency_percentiles_usec_get:p101=1,p-1=1,q50=1,p=1,p50=x\r\nlatency_percentiles_usec_:p50=1\r\n# Nosuch\r\nkeyspace_hits:7\r\n";
        let m = parse(&render(info));
        let mut got: Vec<_> = m.into_iter().collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            [
                ("shoal_memory_fragmentation_ratio".to_string(), -0.5),
                ("shoal_shard_keys{shard=\"1\"}".to_string(), 2.0),
            ]
        );
        for bytes in [&b"\xff\xfe# Stats\r\n"[..], b"\0\0:\0", b"#\r\n#\r\n"] {
            parse(&render(&String::from_utf8_lossy(bytes)));
        }
    }

    #[test]
    fn numbers_shift_exactly() {
        assert_eq!(shift_point_left("12", "", 6), "0.000012");
        assert_eq!(shift_point_left("1500000", "000", 6), "1.5");
        assert_eq!(shift_point_left("0", "", 6), "0");
        assert_eq!(shift_point_left("00123", "4500", 2), "1.2345");
        assert_eq!(quantile("50").as_deref(), Some("0.5"));
        assert_eq!(quantile("99.99").as_deref(), Some("0.9999"));
        assert_eq!(quantile("100").as_deref(), Some("1"));
        assert_eq!(quantile("0").as_deref(), Some("0"));
        assert_eq!(quantile("100.1"), None);
        assert_eq!(quantile("-1"), None);
        assert_eq!(decimal("1."), None);
        assert_eq!(decimal("."), None);
        assert_eq!(decimal("-"), None);
        assert_eq!(decimal("+1"), None);
        assert_eq!(decimal("-1.25"), Some((true, "1", "25")));
    }
}
