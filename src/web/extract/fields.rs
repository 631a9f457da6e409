//! An HTML form's fields read as a command struct, so that one struct serves the JSON API and the
//! pages. A form is not JSON: every value is text, and a field may be left out. The pages have always
//! absorbed that, and this keeps their rules in one place:
//! - a field the struct names but the form lacks reads as empty text;
//! - empty text is `None` for an optional field;
//! - a flag is true only when it says "true" (hidden inputs and checkboxes send that);
//! - a number that does not parse reads as 0, so the service refuses it with that field's own error
//!   (`satisfaction` must be 1–5) rather than the page answering with a parse error.
use serde::de::value::{Error, MapDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// The decoded `name=value` pairs of a form body, in order.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Fields {
        Fields(pairs)
    }

    /// Take out a field that is not part of the command (the CSRF token, the receipt): "" when absent;
    /// sent twice, it is refused as a struct field sent twice would be.
    pub fn take(&mut self, name: &'static str) -> Result<String, Error> {
        if self.0.iter().filter(|(k, _)| k == name).nth(1).is_some() {
            return Err(de::Error::duplicate_field(name));
        }
        let at = self.0.iter().position(|(k, _)| k == name);
        Ok(at.map(|i| self.0.remove(i).1).unwrap_or_default())
    }

    /// Take out every value of a field that may repeat (the files a page carries on), in order.
    pub fn take_all(&mut self, name: &str) -> Vec<String> {
        let (taken, rest) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|(k, _)| k == name);
        self.0 = rest;
        taken.into_iter().map(|(_, v)| v).collect()
    }
}

impl<'de> de::Deserializer<'de> for Fields {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let entries = self.0.into_iter().map(|(k, v)| (k, Value(v)));
        visitor.visit_map(MapDeserializer::new(entries))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        for f in fields {
            if !self.0.iter().any(|(k, _)| k == f) {
                self.0.push((f.to_string(), String::new()));
            }
        }
        self.deserialize_any(visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// One field's text.
struct Value(String);

impl Value {
    fn number<T: std::str::FromStr + Default>(&self) -> T {
        self.0.trim().parse().unwrap_or_default()
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.0 == "true")
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i64(self.number())
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(self.number())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Command {
        text: String,
        number: i64,
        flag: bool,
        choice: Option<String>,
    }

    fn read(pairs: &[(&str, &str)]) -> Result<Command, Error> {
        let pairs = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Command::deserialize(Fields::new(pairs.collect()))
    }

    #[test]
    fn form_text_becomes_the_command() {
        let full = [
            ("text", "hi"),
            ("number", " 4 "),
            ("flag", "true"),
            ("choice", "x"),
        ];
        assert_eq!(
            read(&full).unwrap(),
            Command {
                text: "hi".into(),
                number: 4,
                flag: true,
                choice: Some("x".into())
            }
        );
    }

    #[test]
    fn absent_and_unreadable_fields_read_as_empty() {
        let empty = Command {
            text: String::new(),
            number: 0,
            flag: false,
            choice: None,
        };
        assert_eq!(read(&[]).unwrap(), empty);
        let odd = [
            ("number", "four"),
            ("flag", "yes"),
            ("choice", ""),
            ("extra", "x"),
        ];
        assert_eq!(read(&odd).unwrap(), empty);
    }

    #[test]
    fn a_field_twice_is_refused() {
        assert!(read(&[("text", "a"), ("text", "b")]).is_err());
        let mut f = Fields::new(vec![
            ("csrf".into(), "a".into()),
            ("csrf".into(), "b".into()),
        ]);
        assert!(f.take("csrf").is_err());
        let mut f = Fields::new(vec![
            ("csrf".into(), "a".into()),
            ("text".into(), "b".into()),
        ]);
        assert_eq!(f.take("csrf").unwrap(), "a");
        assert_eq!(f.take("csrf").unwrap(), "");
    }
}
