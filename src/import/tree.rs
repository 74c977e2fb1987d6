//! A generic YAML value tree with the line of every node, and a cursor over
//! one Kubernetes object that remembers which fields the mapping read, so
//! that everything it did not read can be reported as not imported.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::{ImportError, Note};

/// One YAML node and the 1-based line it starts on (0 when unknown).
#[derive(Clone, Debug)]
pub struct Node {
    /// Line of the node in its file.
    pub line: usize,
    /// The value.
    pub value: Value,
}

/// A YAML value; mappings keep their order.
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys as strings.
    Map(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        Ok(Node {
            line: spanned.referenced.line() as usize,
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key.0, value));
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key: any scalar, as a string.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("null".into()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

impl Value {
    /// A short name of the value's type for messages.
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// One Kubernetes object read from a file: where it came from, and which
/// of its fields the mapping consumed.
#[derive(Debug)]
pub struct Object {
    /// The file (or `<stdin>`).
    pub file: String,
    /// 1-based document number in the file (empty documents not counted).
    pub document: usize,
    /// `items[i]` when the object came from a `kind: List`, else empty.
    pub item: String,
    /// `kind`.
    pub kind: String,
    /// `apiVersion`.
    pub api_version: String,
    /// `metadata.name` (empty when missing).
    pub name: String,
    /// `metadata.namespace` (`default` when missing).
    pub namespace: String,
    /// The object itself.
    pub root: Node,
    consumed: RefCell<BTreeSet<String>>,
}

impl Object {
    /// Wraps a document (or a list item) that is a mapping with a `kind`.
    pub fn new(
        file: &str,
        document: usize,
        item: String,
        root: Node,
    ) -> Result<Object, ImportError> {
        let mut object = Object {
            file: file.to_string(),
            document,
            item,
            kind: String::new(),
            api_version: String::new(),
            name: String::new(),
            namespace: "default".into(),
            root,
            consumed: RefCell::new(BTreeSet::new()),
        };
        if !matches!(object.root.value, Value::Map(_)) {
            let kind = object.root.value.kind();
            return Err(object.cursor().error(format!(
                "a Kubernetes object must be a mapping with `apiVersion` and `kind`, found {kind}"
            )));
        }
        let kind = match object.cursor().field("kind") {
            Some(k) => k.string()?,
            None => {
                return Err(object.cursor().error(
                    "no `kind`; every object needs `apiVersion` and `kind` (e.g. `kind: Deployment`)"
                        .to_string(),
                ));
            }
        };
        let api_version = match object.cursor().field("apiVersion") {
            Some(a) => a.string()?,
            None => String::new(),
        };
        let name = match object.cursor().path(&["metadata", "name"]) {
            Some(n) => n.string()?,
            None => String::new(),
        };
        let namespace = match object.cursor().path(&["metadata", "namespace"]) {
            Some(n) => n.string()?,
            None => "default".into(),
        };
        object.kind = kind;
        object.api_version = api_version;
        object.name = name;
        object.namespace = namespace;
        Ok(object)
    }

    /// A cursor at the object's root.
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            object: self,
            node: &self.root,
            path: String::new(),
        }
    }

    /// `Kind name` (or `Kind` alone), for messages.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.kind.clone()
        } else {
            format!("{} {}", self.kind, self.name)
        }
    }

    /// Where the object is: `file, document N (items[i])`.
    pub fn origin(&self) -> String {
        let mut text = format!("{}, document {}", self.file, self.document);
        if !self.item.is_empty() {
            text.push_str(&format!(", {}", self.item));
        }
        text
    }

    /// The fields the mapping never consumed, as the roots of the unread
    /// subtrees with their lines. `apiVersion`, `kind`, `metadata` and
    /// `status` are not configuration and never listed.
    pub fn unread(&self) -> Vec<(String, usize)> {
        let consumed = self.consumed.borrow();
        let mut out = Vec::new();
        if let Value::Map(entries) = &self.root.value {
            for (key, node) in entries {
                if matches!(key.as_str(), "apiVersion" | "kind" | "metadata" | "status") {
                    continue;
                }
                // A whole unread `spec` says little: list its fields.
                if let (true, Value::Map(children)) = (key == "spec", &node.value)
                    && !consumed.contains(key.as_str())
                {
                    for (child_key, child) in children {
                        unread_walk(child, &format!("spec.{child_key}"), &consumed, &mut out);
                    }
                    continue;
                }
                unread_walk(node, key, &consumed, &mut out);
            }
        }
        out
    }
}

fn unread_walk(
    node: &Node,
    path: &str,
    consumed: &BTreeSet<String>,
    out: &mut Vec<(String, usize)>,
) {
    if consumed.contains(path) {
        return;
    }
    let dotted = format!("{path}.");
    let indexed = format!("{path}[");
    let below = consumed
        .range(path.to_string()..)
        .take_while(|p| p.starts_with(path))
        .any(|p| p.starts_with(&dotted) || p.starts_with(&indexed));
    if !below {
        if !matches!(node.value, Value::Null) {
            out.push((path.to_string(), node.line));
        }
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            for (key, child) in entries {
                unread_walk(child, &format!("{path}.{key}"), consumed, out);
            }
        }
        Value::Seq(items) => {
            for (i, child) in items.iter().enumerate() {
                unread_walk(child, &format!("{path}[{i}]"), consumed, out);
            }
        }
        _ => {}
    }
}

/// A position inside an object. Reading a scalar (or calling
/// [`Cursor::consume`]) marks the field as imported.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    object: &'a Object,
    node: &'a Node,
    path: String,
}

impl<'a> Cursor<'a> {
    fn child(&self, node: &'a Node, path: String) -> Cursor<'a> {
        Cursor {
            object: self.object,
            node,
            path,
        }
    }

    /// The dotted field path from the object's root, e.g.
    /// `spec.template.spec.containers[0].resources`.
    pub fn path_text(&self) -> &str {
        &self.path
    }

    /// A copy of the node under the cursor.
    pub fn node_clone(&self) -> Node {
        self.node.clone()
    }

    /// The line of this node.
    pub fn line(&self) -> usize {
        self.node.line
    }

    /// A field of a mapping (`None` when absent, null, or not a mapping).
    pub fn field(&self, key: &str) -> Option<Cursor<'a>> {
        let Value::Map(entries) = &self.node.value else {
            return None;
        };
        let (_, node) = entries.iter().find(|(k, _)| k == key)?;
        if matches!(node.value, Value::Null) {
            return None;
        }
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Some(self.child(node, path))
    }

    /// A chain of fields.
    pub fn path(&self, keys: &[&str]) -> Option<Cursor<'a>> {
        let mut cursor = self.clone();
        for key in keys {
            cursor = cursor.field(key)?;
        }
        Some(cursor)
    }

    /// Marks this field and everything under it as imported.
    pub fn consume(&self) {
        self.object.consumed.borrow_mut().insert(self.path.clone());
    }

    /// The items of a list (an error when it is not one).
    pub fn items(&self) -> Result<Vec<Cursor<'a>>, ImportError> {
        match &self.node.value {
            Value::Seq(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, node)| self.child(node, format!("{}[{i}]", self.path)))
                .collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(self.error(format!("expected a list, found {}", other.kind()))),
        }
    }

    /// The entries of a mapping (an error when it is not one).
    pub fn entries(&self) -> Result<Vec<(String, Cursor<'a>)>, ImportError> {
        match &self.node.value {
            Value::Map(entries) => Ok(entries
                .iter()
                .map(|(k, node)| {
                    let path = if self.path.is_empty() {
                        k.clone()
                    } else {
                        format!("{}.{k}", self.path)
                    };
                    (k.clone(), self.child(node, path))
                })
                .collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(self.error(format!("expected a mapping, found {}", other.kind()))),
        }
    }

    /// A scalar as text (numbers and booleans as written); consumes it.
    pub fn string(&self) -> Result<String, ImportError> {
        let text = match &self.node.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(self.error(format!("expected a single value, found {}", other.kind())));
            }
        };
        self.consume();
        Ok(text)
    }

    /// A non-negative whole number (or a string holding one); consumes it.
    pub fn count(&self) -> Result<u64, ImportError> {
        let value = match &self.node.value {
            Value::Int(i) => u64::try_from(*i).ok(),
            Value::Str(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match value {
            Some(v) => {
                self.consume();
                Ok(v)
            }
            None => Err(self.error(format!(
                "expected a whole number ≥ 0, found {}",
                self.preview()
            ))),
        }
    }

    /// A number (or a string holding one); consumes it.
    pub fn number(&self) -> Result<f64, ImportError> {
        let value = match &self.node.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                self.consume();
                Ok(v)
            }
            None => Err(self.error(format!("expected a number, found {}", self.preview()))),
        }
    }

    /// A short rendering of the value for messages.
    fn preview(&self) -> String {
        match &self.node.value {
            Value::Str(s) => format!("`{}`", s.chars().take(40).collect::<String>()),
            Value::Int(i) => format!("`{i}`"),
            Value::Float(f) => format!("`{f}`"),
            Value::Bool(b) => format!("`{b}`"),
            other => other.kind().to_string(),
        }
    }

    /// An error located at this field.
    pub fn error(&self, message: String) -> ImportError {
        ImportError::Object(Box::new(super::ObjectProblem {
            file: self.object.file.clone(),
            document: self.object.document,
            item: self.object.item.clone(),
            line: self.node.line,
            object: self.object.label(),
            field: self.path.clone(),
            message,
        }))
    }

    /// A note located at this field that leaves it unmarked (its fields
    /// are still listed when nothing reads them).
    pub fn note_keep(&self, message: impl Into<String>) -> Note {
        Note {
            origin: self.object.origin(),
            line: self.node.line,
            object: self.object.label(),
            field: self.path.clone(),
            message: message.into(),
        }
    }

    /// A note located at this field; marks the field as handled (the note
    /// says what became of it).
    pub fn note(&self, message: impl Into<String>) -> Note {
        self.consume();
        self.note_keep(message)
    }
}
