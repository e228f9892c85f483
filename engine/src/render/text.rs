//! The plan as text, in Terraform's style: first what changed outside kmesos
//! (drift), if anything did; then a legend of the symbols used, per changed
//! resource a comment line (address and why) and a block with the changed
//! attributes (`+` added, `~` changed, `-` removed; maps key by key; long
//! values as a line diff), then the summary line; then the brokers it
//! restarts, in order, and what the roll should take; then where the brokers
//! it creates or moves would land; then what the broker stops
//! would do to the partitions (the availability analysis); last, as
//! Terraform's warnings, the brokers that are not running and what they wait
//! for.

use std::fmt::Write;

use console::Style;
use similar::{ChangeTag, TextDiff};

use crate::plan::{
    Action, AttrChange, Availability, Change, Drift, PlacementPreview, Plan, ResourceKind, Roll,
    Waiting,
};
use crate::sensitive::REDACTED;

/// Values longer than this are shown as a diff of their parts.
const LONG_VALUE: usize = 60;

/// Renders `plan`; `colour` when the output is a terminal.
pub fn render(plan: &Plan, colour: bool) -> String {
    let p = Painter::new(colour);
    let mut out = String::new();
    render_drift(&mut out, &plan.drift, plan.has_changes(), &p);
    render_changes(&mut out, plan, &p);
    if let Some(roll) = &plan.roll {
        render_roll(&mut out, roll, &p);
    }
    render_placement(&mut out, &plan.placement, &p);
    if let Some(availability) = &plan.availability {
        render_availability(&mut out, availability, &p);
    }
    render_waiting(&mut out, &plan.waiting, &p);
    out
}

/// The actions and the summary line, or that there are none.
fn render_changes(out: &mut String, plan: &Plan, p: &Painter) {
    let changed: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    if changed.is_empty() {
        out.push_str(&p.bold("No changes."));
        out.push_str(" The clusters match the configuration.\n");
        return;
    }

    out.push_str("kmesos will perform the following actions (symbols:");
    for (action, meaning) in [
        (Action::Create, "create"),
        (Action::Update, "update in place"),
        (Action::Restart, "restart"),
        (Action::Move, "move"),
        (Action::Destroy, "destroy"),
    ] {
        if changed.iter().any(|c| c.action == action) {
            let (style, text) = symbol(action);
            let _ = write!(out, " {} {meaning},", p.paint(style, text));
        }
    }
    out.pop();
    out.push_str(")\n");

    for change in changed {
        out.push('\n');
        render_change(out, change, p);
    }

    let s = plan.summary();
    let moves = if s.moves > 0 {
        format!("{} to move, ", s.moves)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\n{} {} to create, {} to update, {} to restart, {moves}{} to destroy.",
        p.bold("Plan:"),
        s.create,
        s.update,
        s.restart,
        s.destroy
    );
}

fn render_change(out: &mut String, change: &Change, p: &Painter) {
    let what = match change.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in place".to_string(),
        Action::Restart => "must be restarted".to_string(),
        Action::Move => "must move to another agent".to_string(),
        Action::Destroy => "will be destroyed".to_string(),
        Action::NoOp => "is unchanged".to_string(),
    };
    let why = change
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {}",
        p.bold(&format!("# {} {what}{why}", change.address))
    );
    render_block(
        out,
        change.kind,
        &change.name,
        change.action,
        &change.attributes,
        p,
    );
}

/// The drift section: each resource changed outside kmesos, with when and
/// through what, and its attributes from what kmesos applied to what holds.
fn render_drift(out: &mut String, drift: &[Drift], changes: bool, p: &Painter) {
    if drift.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}\n",
        p.bold("Note: Objects have changed outside kmesos")
    );
    out.push_str(
        "kmesos detected the following changes made outside kmesos since it last applied them:\n",
    );
    for d in drift {
        let (what, action) = if d.deleted {
            ("has been deleted outside kmesos", Action::Destroy)
        } else {
            ("has changed outside kmesos", Action::Update)
        };
        let _ = writeln!(out, "\n  {}", p.bold(&format!("# {} {what}", d.address)));
        for c in &d.changes {
            let _ = writeln!(out, "  #   {} via {}: {}", c.at, c.via, c.change);
        }
        render_block(out, d.kind, &d.name, action, &d.attributes, p);
    }
    out.push_str(if changes {
        "\nUnless the configuration is changed to match, the changes below bring these objects back to it.\n\n"
    } else {
        "\nThe configuration matches these values; the next apply accepts them.\n\n"
    });
}

/// The brokers restarted or moved, one at a time in this order, each with
/// its last restart's time, and the estimate of the whole roll.
fn render_roll(out: &mut String, roll: &Roll, p: &Painter) {
    let _ = writeln!(out, "\n{}", p.bold("Restarts, one broker at a time:"));
    for broker in &roll.brokers {
        let last = match broker.last_restart_seconds {
            Some(s) => format!("last restart took {s} s"),
            None => "not restarted by kmesos yet".to_string(),
        };
        let _ = writeln!(out, "  {} ({}): {last}", broker.address, broker.action);
    }
    let _ = match roll.estimate_seconds {
        Some(s) => writeln!(
            out,
            "  The roll should take about {s} s, from the brokers' last restarts."
        ),
        None => writeln!(
            out,
            "  No estimate of the roll: none of these brokers was restarted by kmesos yet."
        ),
    };
}

/// Where each created or moved broker would land, or why it cannot.
fn render_placement(out: &mut String, placement: &[PlacementPreview], p: &Painter) {
    if placement.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        p.bold("Placement, given the agents' latest offers:")
    );
    for broker in placement {
        let at = match (&broker.agent, &broker.rack, &broker.unplaced) {
            (Some(agent), Some(rack), _) => format!("on {agent} (rack {rack})"),
            (Some(agent), None, _) => format!("on {agent}"),
            (None, _, Some(why)) => format!("cannot be placed now: {why}"),
            (None, _, None) => "cannot be placed now".to_string(),
        };
        let _ = writeln!(out, "  {} {at}", broker.address);
    }
}

/// The availability analysis: the replicas destroyed brokers hand over
/// first (or why they cannot), the broker stops that would take partitions
/// below `min.insync.replicas` or offline, and the clusters not analyzed.
fn render_availability(out: &mut String, availability: &Availability, p: &Painter) {
    let _ = writeln!(out, "\n{}", p.bold("Availability:"));
    for (cluster, why) in &availability.not_analyzed {
        let _ = writeln!(out, "  not analyzed for cluster {cluster}: {why}");
    }
    for broker in &availability.moves {
        let count = broker.moves.len();
        let replicas = if count == 1 {
            "replica".to_string()
        } else {
            format!("{count} replicas")
        };
        let title = match broker.address.broker_id() {
            Some(_) => format!(
                "# {} hands over its {replicas} before it stops",
                broker.address
            ),
            None => format!(
                "# {} spreads its replicas over every broker ({count} {} move)",
                broker.address,
                if count == 1 {
                    "partition"
                } else {
                    "partitions"
                }
            ),
        };
        let _ = writeln!(out, "\n  {}", p.bold(&title));
        for m in &broker.moves {
            let _ = writeln!(out, "  #   {}", m.describe());
        }
    }
    for refused in &availability.refused {
        let title = format!("# {} cannot be destroyed", refused.address);
        let _ = writeln!(out, "\n  {}", p.bold(&title));
        let _ = writeln!(out, "  #   {}", refused.reason);
    }
    if !availability.refused.is_empty() {
        out.push_str("\n  kmesos plan and apply refuse this plan.\n");
    }
    if availability.risks.is_empty() {
        if availability.not_analyzed.is_empty() && availability.refused.is_empty() {
            out.push_str(
                "  every broker stop keeps each partition at or above min.insync.replicas\n",
            );
        }
        return;
    }
    for risk in &availability.risks {
        let _ = writeln!(
            out,
            "\n  {}",
            p.bold(&format!(
                "# stopping {} ({}) would leave",
                risk.address, risk.action
            ))
        );
        for partition in &risk.partitions {
            let _ = writeln!(out, "  #   {}", partition.describe());
        }
    }
    out.push_str("\n  kmesos apply refuses this plan unless given --allow-unavailable.\n");
}

/// The note on brokers that are not running: each one's status, what it
/// waits for and why.
fn render_waiting(out: &mut String, waiting: &[Waiting], p: &Painter) {
    if waiting.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}\n", p.bold("Note: Brokers are not running"));
    out.push_str("The scheduler waits for the following before it can launch them again:\n");
    for w in waiting {
        let status = w
            .status
            .map(|s| format!(" ({})", s.as_str()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\n  {}",
            p.bold(&format!("# {} is not running{status}", w.address))
        );
        let _ = writeln!(out, "  #   it {}", w.waiting_for.headline());
        let _ = writeln!(out, "  #   {}", w.waiting_for.why());
    }
}

/// A resource block: `~ topic "orders" {`, its attributes, `}`.
fn render_block(
    out: &mut String,
    kind: ResourceKind,
    name: &str,
    action: Action,
    attributes: &[AttrChange],
    p: &Painter,
) {
    let kind_name = match kind {
        ResourceKind::Cluster => format!("cluster \"{name}\""),
        kind => format!("{kind} \"{name}\""),
    };
    let _ = writeln!(out, "{} {kind_name} {{", p.symbol(action));

    let width = attributes
        .iter()
        .map(|a| {
            if a.key.is_some() {
                a.name.len()
            } else {
                a.display_name().len()
            }
        })
        .max()
        .unwrap_or(0);
    let mut i = 0;
    while let Some(attr) = attributes.get(i) {
        if attr.key.is_some() {
            // A map attribute: its changed keys together in one `name = { }` block.
            let group: Vec<&AttrChange> = attributes[i..]
                .iter()
                .take_while(|a| a.key.is_some() && a.name == attr.name)
                .collect();
            i += group.len();
            render_map(out, &attr.name, &group, action, width, p);
        } else {
            i += 1;
            let line = attribute_line(attr, &pad(&attr.name, width), p, 6);
            out.push_str(&line);
        }
    }
    out.push_str("    }\n");
}

fn render_map(
    out: &mut String,
    name: &str,
    entries: &[&AttrChange],
    action: Action,
    width: usize,
    p: &Painter,
) {
    let sign = match action {
        Action::Create | Action::Destroy => {
            entries.first().map_or(Sign::Changed, |e| entry_sign(e))
        }
        _ => Sign::Changed,
    };
    let _ = writeln!(out, "      {} {} = {{", p.sign(sign), pad(name, width));
    let key_width = entries
        .iter()
        .map(|e| quoted_key(e).chars().count())
        .max()
        .unwrap_or(0);
    for entry in entries {
        out.push_str(&attribute_line(
            entry,
            &pad(&quoted_key(entry), key_width),
            p,
            10,
        ));
    }
    out.push_str("        }\n");
}

fn quoted_key(entry: &AttrChange) -> String {
    format!("\"{}\"", entry.key.as_deref().unwrap_or_default())
}

#[derive(Clone, Copy)]
enum Sign {
    Added,
    Changed,
    Removed,
}

fn entry_sign(attr: &AttrChange) -> Sign {
    match (&attr.before, &attr.after) {
        (None, _) => Sign::Added,
        (_, None) => Sign::Removed,
        _ => Sign::Changed,
    }
}

/// One `  ~ name = before -> after # forces restart` line (or a long-value diff).
fn attribute_line(attr: &AttrChange, name: &str, p: &Painter, indent: usize) -> String {
    let sign = entry_sign(attr);
    let lead = format!("{}{} {name} = ", " ".repeat(indent), p.sign(sign));
    let note = if attr.forces_restart {
        p.note(" # forces restart")
    } else {
        String::new()
    };
    let (before, after) = (
        attr.before.as_ref().map(value),
        attr.after.as_ref().map(value),
    );
    match (before, after) {
        (Some(_), Some(a)) if attr.sensitive => format!("{lead}{a}{note}\n"),
        (Some(b), Some(a)) if b.len() > LONG_VALUE || a.len() > LONG_VALUE => {
            let raw = |v: &Option<serde_json::Value>| match v {
                Some(serde_json::Value::String(s)) => s.clone(),
                other => other.as_ref().map(value).unwrap_or_default(),
            };
            long_value_diff(
                &lead,
                &raw(&attr.before),
                &raw(&attr.after),
                indent,
                p,
                &note,
            )
        }
        (Some(b), Some(a)) => format!("{lead}{b} -> {a}{note}\n"),
        (None, Some(a)) => format!("{lead}{a}{note}\n"),
        (Some(b), None) => format!("{lead}{b}{note}\n"),
        (None, None) => format!("{lead}null{note}\n"),
    }
}

/// A long value's change as a diff of its parts (comma-separated items, or
/// words), unquoted, between parentheses.
fn long_value_diff(
    lead: &str,
    before: &str,
    after: &str,
    indent: usize,
    p: &Painter,
    note: &str,
) -> String {
    let split = |s: &str| -> String {
        let sep = if s.contains(',') { ',' } else { ' ' };
        s.split_inclusive(sep)
            .map(|part| format!("{}\n", part.trim()))
            .collect()
    };
    let (b, a) = (split(before), split(after));
    let mut out = format!("{lead}(\n");
    let inner = " ".repeat(indent + 4);
    for change in TextDiff::from_lines(&b, &a).iter_all_changes() {
        let part = change.value().trim_end_matches('\n');
        let line = match change.tag() {
            ChangeTag::Equal => format!("{inner}  {part}"),
            ChangeTag::Delete => format!("{inner}{} {part}", p.sign(Sign::Removed)),
            ChangeTag::Insert => format!("{inner}{} {part}", p.sign(Sign::Added)),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let _ = writeln!(out, "{}  ){note}", " ".repeat(indent));
    out
}

/// An attribute value as HCL would write it; redacted values unquoted.
fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if s == REDACTED => s.clone(),
        // Whole numbers as written in HCL: 4, not 4.0.
        serde_json::Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
        {
            format!("{}", n.as_f64().unwrap_or_default() as i64)
        }
        other => other.to_string(),
    }
}

fn pad(name: &str, width: usize) -> String {
    format!("{name:<width$}")
}

/// The symbol and colour of an action, as in Terraform.
fn symbol(action: Action) -> (Style, &'static str) {
    match action {
        Action::Create => (Style::new().green(), "+"),
        Action::Update => (Style::new().yellow(), "~"),
        Action::Restart | Action::Move => (Style::new().magenta(), "-/+"),
        Action::Destroy => (Style::new().red(), "-"),
        Action::NoOp => (Style::new(), ""),
    }
}

/// Colours when writing to a terminal, plain text otherwise.
struct Painter {
    colour: bool,
}

impl Painter {
    fn new(colour: bool) -> Painter {
        Painter { colour }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        style.force_styling(self.colour).apply_to(text).to_string()
    }

    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    fn note(&self, text: &str) -> String {
        self.paint(Style::new().red(), text)
    }

    /// The action's symbol, right-aligned in three columns.
    fn symbol(&self, action: Action) -> String {
        let (style, text) = symbol(action);
        self.paint(style, &format!("{text:>3}"))
    }

    fn sign(&self, sign: Sign) -> String {
        match sign {
            Sign::Added => self.paint(Style::new().green(), "+"),
            Sign::Changed => self.paint(Style::new().yellow(), "~"),
            Sign::Removed => self.paint(Style::new().red(), "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load, SourceFile, Vars};
    use crate::state::BrokerStatus;
    use crate::State;

    fn plan() -> Plan {
        let text = "cluster \"c\" {\n  kafka { kind = \"tansu\" }\n  broker \"0\" {}\n}\n";
        let config = load(&[SourceFile::new("m.hcl", text)], &Vars::new()).unwrap();
        crate::diff(&config, &State::empty()).unwrap()
    }

    #[test]
    fn the_roll_names_each_broker_in_order_and_the_estimate() {
        let mut p = plan();
        let step = |id: u32, last: Option<u64>| crate::plan::RollStep {
            address: crate::Address::of_broker("c", id),
            action: Action::Restart,
            last_restart_seconds: last,
        };
        p.roll = Some(Roll {
            brokers: vec![step(0, Some(21)), step(1, None)],
            estimate_seconds: Some(42),
        });
        let text = render(&p, false);
        let expected = "Restarts, one broker at a time:\n  cluster.c.broker.0 (restart): last restart took 21 s\n  cluster.c.broker.1 (restart): not restarted by kmesos yet\n  The roll should take about 42 s, from the brokers' last restarts.\n";
        assert!(text.contains(expected), "{text}");
        p.roll.as_mut().unwrap().estimate_seconds = None;
        assert!(render(&p, false).contains("No estimate of the roll: none of these brokers"));
    }

    #[test]
    fn the_placement_says_where_each_broker_lands_or_why_not() {
        let mut p = plan();
        let preview = |id: u32, agent: Option<&str>, unplaced: Option<&str>| PlacementPreview {
            address: crate::Address::of_broker("c", id),
            agent: agent.map(String::from),
            rack: agent.map(|_| "r2".to_string()),
            unplaced: unplaced.map(String::from),
        };
        p.placement = vec![
            preview(0, Some("node-2"), None),
            preview(1, None, Some("node-1: not enough mem")),
        ];
        let text = render(&p, false);
        let expected = "Placement, given the agents' latest offers:\n  cluster.c.broker.0 on node-2 (rack r2)\n  cluster.c.broker.1 cannot be placed now: node-1: not enough mem\n";
        assert!(text.contains(expected), "{text}");
    }

    #[test]
    fn colours_only_when_asked() {
        let plain = render(&plan(), false);
        let coloured = render(&plan(), true);
        assert!(!plain.contains('\u{1b}'));
        assert!(coloured.contains("\u{1b}["));
        assert_eq!(console::strip_ansi_codes(&coloured), plain);
    }

    /// `plan()` with broker 1 waiting for its lost agent.
    fn with_voter_waiting(mut p: Plan) -> Plan {
        p.waiting.push(Waiting {
            address: crate::Address::of_broker("c", 1),
            cluster: "c".into(),
            name: "1".into(),
            status: Some(BrokerStatus::Pending),
            waiting_for: crate::state::WaitingFor::Agent(crate::state::AgentWait {
                agent_id: "m-S2".into(),
                hostname: "127.0.0.3".into(),
                why: "a KRaft controller voter is relaunched only there".into(),
                lost_at: Some("2026-01-01T00:00:05Z".into()),
                since: "2026-01-01T00:00:05Z".into(),
            }),
        });
        p
    }

    const NOTE: &str = "\n\
        Note: Brokers are not running\n\
        \n\
        The scheduler waits for the following before it can launch them again:\n\
        \n  # cluster.c.broker.1 is not running (pending)\n  \
        #   it waits for agent 127.0.0.3 (m-S2), which the Mesos master reported lost at 2026-01-01T00:00:05Z\n  \
        #   a KRaft controller voter is relaunched only there\n";

    #[test]
    fn brokers_not_running_get_a_note_after_the_plan_with_what_they_wait_for_and_why() {
        let mut unchanged = plan();
        unchanged.changes.clear();
        assert_eq!(
            render(&with_voter_waiting(unchanged), false),
            format!("No changes. The clusters match the configuration.\n{NOTE}")
        );
        let changed = render(&with_voter_waiting(plan()), false);
        assert!(
            changed.ends_with(&format!("0 to destroy.\n{NOTE}")),
            "{changed}"
        );
        assert!(!render(&plan(), false).contains("Note:"));
    }

    #[test]
    fn a_destroyed_brokers_moves_and_a_refused_destroy_are_shown_in_the_availability_section() {
        use crate::plan::availability::{BrokerMoves, RefusedDestroy};
        use crate::plan::reassignment::{ReplicaMove, TooFewBrokers};
        let mut p = plan();
        p.availability = Some(Availability {
            moves: vec![BrokerMoves {
                address: crate::Address::of_broker("c", 3),
                moves: vec![ReplicaMove {
                    topic: "orders".into(),
                    partition: 0,
                    replicas: vec![1, 3, 2],
                    target: vec![1, 0, 2],
                }],
            }],
            refused: vec![RefusedDestroy {
                address: crate::Address::of_broker("c", 2),
                reason: TooFewBrokers {
                    topic: "orders".into(),
                    replication_factor: 3,
                    remaining: vec![0, 1],
                },
            }],
            ..Availability::default()
        });
        let text = render(&p, false);
        let section = &text[text.find("Availability:").expect("the section")..];
        assert_eq!(
            section,
            "Availability:\n\n  \
             # cluster.c.broker.3 hands over its replica before it stops\n  \
             #   orders-0: [1, 3, 2] → [1, 0, 2]\n\n  \
             # cluster.c.broker.2 cannot be destroyed\n  \
             #   topic orders has replication factor 3, but only 2 brokers would remain ([0, 1]): add brokers or keep this one\n\n  \
             kmesos plan and apply refuse this plan.\n"
        );
    }

    #[test]
    fn an_empty_plan_says_no_changes() {
        let mut p = plan();
        p.changes.clear();
        assert_eq!(
            render(&p, false),
            "No changes. The clusters match the configuration.\n"
        );
    }
}
