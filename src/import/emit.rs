//! A tiny YAML writer that keeps comments: block mappings with a comment
//! per entry, flow mappings for small leaves, lists of block mappings.

/// A value to write.
#[derive(Clone, Debug)]
pub enum Y {
    /// A scalar, written as is (see [`quote`] for strings).
    S(String),
    /// `{ a: 1, b: 2 }` on one line.
    Flow(Vec<(String, Y)>),
    /// `[a, b]` on one line.
    FlowSeq(Vec<Y>),
    /// A block mapping.
    Block(Vec<Entry>),
    /// A block list of block mappings.
    Seq(Vec<Vec<Entry>>),
}

/// One entry of a block mapping, with comment lines above it and an
/// optional comment at the end of its line.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Comment lines written above the entry.
    pub above: Vec<String>,
    /// The key.
    pub key: String,
    /// The value.
    pub value: Y,
    /// A comment at the end of the line.
    pub comment: String,
}

impl Entry {
    /// An entry without comments.
    pub fn new(key: &str, value: Y) -> Entry {
        Entry {
            above: Vec::new(),
            key: key.to_string(),
            value,
            comment: String::new(),
        }
    }

    /// Adds an end-of-line comment.
    pub fn with(mut self, comment: impl Into<String>) -> Entry {
        self.comment = comment.into();
        self
    }

    /// Adds comment lines above.
    pub fn above(mut self, lines: Vec<String>) -> Entry {
        self.above = lines;
        self
    }
}

/// A scalar.
pub fn s(text: impl Into<String>) -> Y {
    Y::S(text.into())
}

/// A string scalar, quoted when YAML would read it as something else.
pub fn quote(text: &str) -> Y {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        Y::S(text.to_string())
    } else {
        Y::S(serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()))
    }
}

/// Comment text on one line: no line breaks.
pub fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn inline(value: &Y) -> String {
    match value {
        Y::S(text) => text.clone(),
        Y::Flow(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", inline(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Y::FlowSeq(items) => {
            let inner: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", inner.join(", "))
        }
        Y::Block(entries) => inline(&Y::Flow(
            entries
                .iter()
                .map(|e| (e.key.clone(), e.value.clone()))
                .collect(),
        )),
        Y::Seq(items) => inline(&Y::FlowSeq(
            items
                .iter()
                .map(|entries| {
                    Y::Flow(
                        entries
                            .iter()
                            .map(|e| (e.key.clone(), e.value.clone()))
                            .collect(),
                    )
                })
                .collect(),
        )),
    }
}

fn comment_suffix(comment: &str) -> String {
    if comment.is_empty() {
        String::new()
    } else {
        format!("  # {}", one_line(comment))
    }
}

/// Writes a block mapping at `indent` spaces; `first_prefix` replaces the
/// indentation of the first key (for `- ` list items).
pub fn write_block(out: &mut String, entries: &[Entry], indent: usize, first_prefix: Option<&str>) {
    let pad = " ".repeat(indent);
    for (i, entry) in entries.iter().enumerate() {
        let lead = match (i, first_prefix) {
            (0, Some(prefix)) => prefix.to_string(),
            _ => pad.clone(),
        };
        let comment_pad = match (i, first_prefix) {
            (0, Some(_)) => " ".repeat(indent.saturating_sub(2)),
            _ => pad.clone(),
        };
        for line in &entry.above {
            let line = one_line(line);
            if line.is_empty() {
                out.push_str(&format!("{comment_pad}#\n"));
            } else {
                out.push_str(&format!("{comment_pad}# {line}\n"));
            }
        }
        match &entry.value {
            Y::Block(children) if !children.is_empty() => {
                out.push_str(&format!(
                    "{lead}{}:{}\n",
                    entry.key,
                    comment_suffix(&entry.comment)
                ));
                write_block(out, children, indent + 2, None);
            }
            Y::Seq(items) if !items.is_empty() => {
                out.push_str(&format!(
                    "{lead}{}:{}\n",
                    entry.key,
                    comment_suffix(&entry.comment)
                ));
                for item in items {
                    let dash = format!("{pad}  - ");
                    write_block(out, item, indent + 4, Some(&dash));
                }
            }
            other => {
                out.push_str(&format!(
                    "{lead}{}: {}{}\n",
                    entry.key,
                    inline(other),
                    comment_suffix(&entry.comment)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_lists_and_comments() {
        let entries = vec![
            Entry::new("name", quote("web")).with("from a Deployment"),
            Entry::new(
                "machines",
                Y::Seq(vec![vec![
                    Entry::new("name", s("cp")).above(vec!["control plane".into()]),
                    Entry::new("zones", Y::FlowSeq(vec![s("a"), s("b")])),
                ]]),
            ),
            Entry::new("spread", Y::Flow(vec![("topology".into(), s("zone"))])),
        ];
        let mut out = String::new();
        write_block(&mut out, &entries, 0, None);
        assert_eq!(
            out,
            "name: web  # from a Deployment\nmachines:\n  # control plane\n  - name: cp\n    zones: [a, b]\nspread: { topology: zone }\n"
        );
        assert!(matches!(quote("true"), Y::S(t) if t == "\"true\""));
        assert!(matches!(quote("1.31"), Y::S(t) if t == "\"1.31\""));
    }
}
