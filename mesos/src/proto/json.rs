//! Mesos's JSON mapping for the proto types, as the real master and agent
//! speak it (stout's reflection-based converter, not proto3 canonical JSON):
//! snake_case proto field names, enum value NAMES, standard padded base64 for
//! bytes, 64-bit integers as JSON numbers, unknown keys ignored, `null` read
//! as "unset", and a missing proto2 `required` field is an error.
//!
//! The `message!` macro (see `macros.rs`) implements [`JsonMessage`] for each
//! message by calling, per field, the `put`/`take`/`check` functions of the
//! module named after the field's label and kind (`required_message`,
//! `optional_enum`, `repeated_scalar`, ...). Errors carry the field path, so a
//! bad call is reported as e.g. ``field `subscribe.framework_info.user`: missing``.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde_json::{Map, Number, Value};

/// A JSON object as read from or written to the wire.
pub(crate) type Object = Map<String, Value>;

/// Conversion between a message and its Mesos JSON form.
pub trait JsonMessage: Sized {
    /// The message as a JSON object (set fields only).
    fn to_json(&self) -> Value;
    /// Reads a message from JSON, checking proto2 `required` fields.
    fn from_json(value: &Value) -> Result<Self, FieldError>;
    /// Fails with the path of the first `required` message field that is
    /// unset, searching the whole tree (protobuf decoding does not check it).
    fn check_required(&self) -> Result<(), FieldError>;
}

/// A protobuf enum whose values have the proto names Mesos uses in JSON.
pub trait ProtoEnum: Sized {
    /// The proto name of a value number (`6` → `"TASK_STAGING"`).
    fn name_of(number: i32) -> Option<&'static str>;
    /// The value number of a proto name (`"TASK_STAGING"` → `6`).
    fn number_of(name: &str) -> Option<i32>;
}

/// What is wrong with a message, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Innermost segment first: `["user", "framework_info", "subscribe"]`.
    path: Vec<String>,
    problem: String,
}

impl FieldError {
    fn new(problem: impl Into<String>) -> Self {
        FieldError {
            path: Vec::new(),
            problem: problem.into(),
        }
    }

    fn missing() -> Self {
        FieldError::new("missing required field")
    }

    fn within(mut self, key: &str) -> Self {
        self.path.push(key.to_string());
        self
    }

    fn within_index(mut self, index: usize) -> Self {
        self.path.push(format!("[{index}]"));
        self
    }

    fn within_map_key(mut self, key: &str) -> Self {
        self.path.push(format!("[{key:?}]"));
        self
    }

    /// The dotted field path, outermost first (`subscribe.framework_info.user`).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in self.path.iter().rev() {
            if !out.is_empty() && !segment.starts_with('[') {
                out.push('.');
            }
            out.push_str(segment);
        }
        out
    }

    /// What is wrong, without the path.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "field `{}`: {}", self.path(), self.problem)
        }
    }
}

impl std::error::Error for FieldError {}

/// The JSON key of a field: its proto name (Rust raw identifiers lose `r#`).
pub(crate) fn key(rust_name: &'static str) -> &'static str {
    rust_name.strip_prefix("r#").unwrap_or(rust_name)
}

/// The object a message is read from.
pub(crate) fn expect_object(value: &Value) -> Result<&Object, FieldError> {
    value
        .as_object()
        .ok_or_else(|| FieldError::new(format!("expected a JSON object, found {}", kind_of(value))))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A present, non-null value (`null` means "unset" in Mesos JSON).
fn present<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

fn expect_array<'a>(value: &'a Value, key: &str) -> Result<&'a Vec<Value>, FieldError> {
    value.as_array().ok_or_else(|| {
        FieldError::new(format!("expected an array, found {}", kind_of(value))).within(key)
    })
}

/// A scalar proto type (string, bytes, bool, the number types) in JSON.
pub(crate) trait JsonScalar: Sized {
    fn to_json(&self) -> Value;
    fn from_json(value: &Value) -> Result<Self, FieldError>;
}

impl JsonScalar for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_json(value: &Value) -> Result<Self, FieldError> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| FieldError::new(format!("expected a string, found {}", kind_of(value))))
    }
}

/// `bytes` fields: standard base64 with padding.
impl JsonScalar for Vec<u8> {
    fn to_json(&self) -> Value {
        Value::String(base64::engine::general_purpose::STANDARD.encode(self))
    }
    fn from_json(value: &Value) -> Result<Self, FieldError> {
        let text = value.as_str().ok_or_else(|| {
            FieldError::new(format!("expected base64 bytes, found {}", kind_of(value)))
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|error| FieldError::new(format!("invalid base64: {error}")))
    }
}

impl JsonScalar for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_json(value: &Value) -> Result<Self, FieldError> {
        match value {
            Value::Bool(flag) => Ok(*flag),
            Value::String(text) if text == "true" => Ok(true),
            Value::String(text) if text == "false" => Ok(false),
            other => Err(FieldError::new(format!(
                "expected a boolean, found {}",
                kind_of(other)
            ))),
        }
    }
}

/// Doubles: numbers, or strings holding a number or `Infinity`/`-Infinity`
/// (how Mesos writes unlimited `TaskInfo.limits`). NaN is not representable.
impl JsonScalar for f64 {
    fn to_json(&self) -> Value {
        match Number::from_f64(*self) {
            Some(number) => Value::Number(number),
            None if self.is_sign_positive() && self.is_infinite() => "Infinity".into(),
            None if self.is_infinite() => "-Infinity".into(),
            None => "NaN".into(),
        }
    }
    fn from_json(value: &Value) -> Result<Self, FieldError> {
        let parsed = match value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => match text.as_str() {
                "Infinity" => Some(f64::INFINITY),
                "-Infinity" => Some(f64::NEG_INFINITY),
                other => other.trim().parse::<f64>().ok().filter(|v| v.is_finite()),
            },
            _ => None,
        };
        parsed.ok_or_else(|| FieldError::new(format!("expected a number, found {value}")))
    }
}

macro_rules! integer_scalar {
    ($($int:ty),*) => {$(
        /// Integers: JSON numbers on output; numbers or numeric strings on input.
        impl JsonScalar for $int {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
            fn from_json(value: &Value) -> Result<Self, FieldError> {
                let parsed = match value {
                    Value::Number(number) => number
                        .as_i64()
                        .and_then(|n| <$int>::try_from(n).ok())
                        .or_else(|| number.as_u64().and_then(|n| <$int>::try_from(n).ok())),
                    Value::String(text) => text.trim().parse::<$int>().ok(),
                    _ => None,
                };
                parsed.ok_or_else(|| {
                    FieldError::new(format!(
                        "expected an integer in range of {}, found {value}",
                        stringify!($int)
                    ))
                })
            }
        }
    )*};
}

integer_scalar!(i32, i64, u32, u64);

fn enum_to_json<E: ProtoEnum>(number: i32) -> Value {
    // A number this subset does not name (a newer master's) stays a number.
    E::name_of(number).map_or_else(|| Value::from(number), Value::from)
}

/// `Ok(None)` for a name this subset does not know.
fn enum_from_json<E: ProtoEnum>(value: &Value) -> Result<Option<i32>, FieldError> {
    let name = value.as_str().ok_or_else(|| {
        FieldError::new(format!(
            "expected an enum name string, found {}",
            kind_of(value)
        ))
    })?;
    Ok(E::number_of(name))
}

pub(crate) mod required_message {
    use super::*;

    pub fn put<M: JsonMessage>(object: &mut Object, key: &str, field: &Option<M>) {
        if let Some(message) = field {
            object.insert(key.to_string(), message.to_json());
        }
    }
    pub fn take<M: JsonMessage>(object: &Object, key: &str) -> Result<Option<M>, FieldError> {
        let value = present(object, key).ok_or_else(|| FieldError::missing().within(key))?;
        M::from_json(value).map(Some).map_err(|e| e.within(key))
    }
    pub fn check<M: JsonMessage>(key: &str, field: &Option<M>) -> Result<(), FieldError> {
        match field {
            Some(message) => message.check_required().map_err(|e| e.within(key)),
            None => Err(FieldError::missing().within(key)),
        }
    }
}

pub(crate) mod optional_message {
    use super::*;

    pub use super::required_message::put;
    pub fn take<M: JsonMessage>(object: &Object, key: &str) -> Result<Option<M>, FieldError> {
        present(object, key)
            .map(|value| M::from_json(value).map_err(|e| e.within(key)))
            .transpose()
    }
    pub fn check<M: JsonMessage>(key: &str, field: &Option<M>) -> Result<(), FieldError> {
        field.as_ref().map_or(Ok(()), |message| {
            message.check_required().map_err(|e| e.within(key))
        })
    }
}

pub(crate) mod repeated_message {
    use super::*;

    pub fn put<M: JsonMessage>(object: &mut Object, key: &str, field: &[M]) {
        if !field.is_empty() {
            let items = field.iter().map(JsonMessage::to_json).collect();
            object.insert(key.to_string(), Value::Array(items));
        }
    }
    pub fn take<M: JsonMessage>(object: &Object, key: &str) -> Result<Vec<M>, FieldError> {
        let Some(value) = present(object, key) else {
            return Ok(Vec::new());
        };
        let items = expect_array(value, key)?.iter().enumerate();
        items
            .map(|(i, item)| M::from_json(item).map_err(|e| e.within_index(i).within(key)))
            .collect()
    }
    pub fn check<M: JsonMessage>(key: &str, field: &[M]) -> Result<(), FieldError> {
        for (i, message) in field.iter().enumerate() {
            message
                .check_required()
                .map_err(|e| e.within_index(i).within(key))?;
        }
        Ok(())
    }
}

/// `map<string, Message>` fields: a JSON object keyed by the map key.
pub(crate) mod map_message {
    use super::*;

    pub fn put<M: JsonMessage>(object: &mut Object, key: &str, field: &BTreeMap<String, M>) {
        if !field.is_empty() {
            let entries = field
                .iter()
                .map(|(k, m)| (k.clone(), m.to_json()))
                .collect();
            object.insert(key.to_string(), Value::Object(entries));
        }
    }
    pub fn take<M: JsonMessage>(
        object: &Object,
        key: &str,
    ) -> Result<BTreeMap<String, M>, FieldError> {
        let Some(value) = present(object, key) else {
            return Ok(BTreeMap::new());
        };
        let entries = expect_object(value).map_err(|e| e.within(key))?;
        entries
            .iter()
            .map(|(k, v)| {
                M::from_json(v)
                    .map(|m| (k.clone(), m))
                    .map_err(|e| e.within_map_key(k).within(key))
            })
            .collect()
    }
    pub fn check<M: JsonMessage>(key: &str, field: &BTreeMap<String, M>) -> Result<(), FieldError> {
        for (k, message) in field {
            message
                .check_required()
                .map_err(|e| e.within_map_key(k).within(key))?;
        }
        Ok(())
    }
}

pub(crate) mod required_enum {
    use super::*;

    pub fn put<E: ProtoEnum>(object: &mut Object, key: &str, field: &i32) {
        object.insert(key.to_string(), enum_to_json::<E>(*field));
    }
    /// An unknown name in a required enum is an error (proto2 rule).
    pub fn take<E: ProtoEnum>(object: &Object, key: &str) -> Result<i32, FieldError> {
        let value = present(object, key).ok_or_else(|| FieldError::missing().within(key))?;
        match enum_from_json::<E>(value) {
            Ok(Some(number)) => Ok(number),
            Ok(None) => Err(FieldError::new(format!("unknown enum value {value}")).within(key)),
            Err(e) => Err(e.within(key)),
        }
    }
    // Generic like `put` and `take`, so that `message!` calls all three alike.
    #[allow(clippy::extra_unused_type_parameters)]
    pub fn check<E: ProtoEnum>(_key: &str, _field: &i32) -> Result<(), FieldError> {
        Ok(())
    }
}

pub(crate) mod optional_enum {
    use super::*;

    pub fn put<E: ProtoEnum>(object: &mut Object, key: &str, field: &Option<i32>) {
        if let Some(number) = field {
            object.insert(key.to_string(), enum_to_json::<E>(*number));
        }
    }
    /// An unknown name in an optional enum is dropped (proto2 rule).
    pub fn take<E: ProtoEnum>(object: &Object, key: &str) -> Result<Option<i32>, FieldError> {
        match present(object, key) {
            Some(value) => enum_from_json::<E>(value).map_err(|e| e.within(key)),
            None => Ok(None),
        }
    }
    #[allow(clippy::extra_unused_type_parameters)]
    pub fn check<E: ProtoEnum>(_key: &str, _field: &Option<i32>) -> Result<(), FieldError> {
        Ok(())
    }
}

pub(crate) mod required_scalar {
    use super::*;

    pub fn put<T: JsonScalar>(object: &mut Object, key: &str, field: &T) {
        object.insert(key.to_string(), field.to_json());
    }
    pub fn take<T: JsonScalar>(object: &Object, key: &str) -> Result<T, FieldError> {
        let value = present(object, key).ok_or_else(|| FieldError::missing().within(key))?;
        T::from_json(value).map_err(|e| e.within(key))
    }
    pub fn check<T>(_key: &str, _field: &T) -> Result<(), FieldError> {
        Ok(())
    }
}

pub(crate) mod optional_scalar {
    use super::*;

    pub fn put<T: JsonScalar>(object: &mut Object, key: &str, field: &Option<T>) {
        if let Some(value) = field {
            object.insert(key.to_string(), value.to_json());
        }
    }
    pub fn take<T: JsonScalar>(object: &Object, key: &str) -> Result<Option<T>, FieldError> {
        present(object, key)
            .map(|value| T::from_json(value).map_err(|e| e.within(key)))
            .transpose()
    }
    pub fn check<T>(_key: &str, _field: &Option<T>) -> Result<(), FieldError> {
        Ok(())
    }
}

pub(crate) mod repeated_scalar {
    use super::*;

    pub fn put<T: JsonScalar>(object: &mut Object, key: &str, field: &[T]) {
        if !field.is_empty() {
            let items = field.iter().map(JsonScalar::to_json).collect();
            object.insert(key.to_string(), Value::Array(items));
        }
    }
    pub fn take<T: JsonScalar>(object: &Object, key: &str) -> Result<Vec<T>, FieldError> {
        let Some(value) = present(object, key) else {
            return Ok(Vec::new());
        };
        let items = expect_array(value, key)?.iter().enumerate();
        items
            .map(|(i, item)| T::from_json(item).map_err(|e| e.within_index(i).within(key)))
            .collect()
    }
    pub fn check<T>(_key: &str, _field: &[T]) -> Result<(), FieldError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_outermost_first_with_indexes_attached() {
        let error = FieldError::missing()
            .within("task_id")
            .within_index(2)
            .within("task_infos")
            .within("launch");
        assert_eq!(error.path(), "launch.task_infos[2].task_id");
        assert_eq!(
            error.to_string(),
            "field `launch.task_infos[2].task_id`: missing required field"
        );
    }

    #[test]
    fn doubles_accept_numeric_strings_and_infinity() {
        assert_eq!(f64::from_json(&Value::from("1.5")), Ok(1.5));
        assert_eq!(f64::from_json(&Value::from("Infinity")), Ok(f64::INFINITY));
        assert_eq!(f64::INFINITY.to_json(), Value::from("Infinity"));
        assert!(f64::from_json(&Value::from("NaN")).is_err());
        assert!(f64::from_json(&Value::Bool(true)).is_err());
    }

    #[test]
    fn integers_are_numbers_out_and_numbers_or_strings_in() {
        assert_eq!(i64::MAX.to_json().to_string(), i64::MAX.to_string());
        assert_eq!(
            u64::from_json(&Value::from("18446744073709551615")),
            Ok(u64::MAX)
        );
        assert!(u32::from_json(&Value::from(-1)).is_err());
        assert!(i32::from_json(&Value::from(1.5)).is_err());
    }

    #[test]
    fn bytes_are_padded_standard_base64() {
        let uuid = vec![
            0x9b, 0x0f, 0x3c, 0x2e, 0x4d, 0x7a, 0x4f, 0x0b, 0x8a, 0x63, 0x2c, 0x5e, 0x7d, 0x9f,
            0x0e, 0x04,
        ];
        let json = uuid.to_json();
        assert_eq!(json.as_str().map(str::len), Some(24));
        assert_eq!(Vec::<u8>::from_json(&json), Ok(uuid));
        assert!(Vec::<u8>::from_json(&Value::from("not base64!")).is_err());
    }
}
