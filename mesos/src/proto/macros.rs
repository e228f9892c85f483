//! The two macros the message definitions are written in, so that each
//! Mesos message is stated once, proto-style (name, label, kind, number), and
//! gets both its protobuf encoding (prost, proto2 labels) and its Mesos JSON
//! mapping (`json::JsonMessage`) from that single statement.
//!
//! ```text
//! message! {
//!     /// Doc.
//!     pub struct TaskStatus {
//!         task_id: required message TaskId = 1,
//!         state: required enumeration TaskState = 2,
//!         data: optional bytes = 3,
//!         shell: optional bool = 6 [default = "true"],
//!         limits: map message value::Scalar = 15,   // map<string, Message>
//!     }
//! }
//! enumeration! { pub enum Mode { Rw = 1 => "RW", Ro = 2 => "RO", } }
//! ```
//! Labels: `required`, `optional`, `repeated` (and `map` for string-keyed
//! message maps; enums are never repeated here). Kinds: `message Path`,
//! `enumeration Path`, or a scalar
//! proto type (`string bytes bool double int32 int64 uint32 uint64`).
//! Repeated scalars are written unpacked, as proto2 does by default. Message
//! fields are `Option`s, required or not (as prost-build makes them): prost
//! never checks their presence, `JsonMessage::check_required` does.

/// The Rust type of a scalar proto type.
macro_rules! scalar_type {
    (string) => { ::std::string::String };
    (bytes) => { ::std::vec::Vec<u8> };
    (bool) => { bool };
    (double) => { f64 };
    (int32) => { i32 };
    (int64) => { i64 };
    (uint32) => { u32 };
    (uint64) => { u64 };
}

macro_rules! message {
    ($(#[$attr:meta])* pub struct $name:ident { $($body:tt)* }) => {
        message!(@munch [$(#[$attr])* $name] [] $($body)*);
    };

    // Each field becomes `[attrs name (rust type) {prost attribute} json_module (generics)]`.
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : required message $($t:ident)::+ = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (::std::option::Option<$($t)::+>)
            {message, optional, tag = $tag} required_message ()]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : optional message $($t:ident)::+ = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (::std::option::Option<$($t)::+>)
            {message, optional, tag = $tag} optional_message ()]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : repeated message $($t:ident)::+ = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (::std::vec::Vec<$($t)::+>)
            {message, repeated, tag = $tag} repeated_message ()]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : map message $($t:ident)::+ = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f
            (::std::collections::BTreeMap<::std::string::String, $($t)::+>)
            {btree_map = "string, message", tag = $tag} map_message ()]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : required enumeration $($t:ident)::+ = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (i32)
            {enumeration($($t)::+), required, tag = $tag} required_enum (::<$($t)::+>)]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : optional enumeration $($t:ident)::+ = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (::std::option::Option<i32>)
            {enumeration($($t)::+), optional, tag = $tag} optional_enum (::<$($t)::+>)]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : required $kind:ident = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (scalar_type!($kind))
            {$kind, required, tag = $tag} required_scalar ()]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : optional $kind:ident = $tag:tt $([default = $default:tt])?,
        $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (::std::option::Option<scalar_type!($kind)>)
            {$kind, optional, tag = $tag $(, default = $default)?} optional_scalar ()]] $($rest)*);
    };
    (@munch $head:tt [$($done:tt)*]
        $(#[$fa:meta])* $f:ident : repeated $kind:ident = $tag:tt, $($rest:tt)*) => {
        message!(@munch $head [$($done)* [$(#[$fa])* $f (::std::vec::Vec<scalar_type!($kind)>)
            {$kind, repeated, packed = "false", tag = $tag} repeated_scalar ()]] $($rest)*);
    };

    // All fields done: emit the struct and its JSON mapping.
    (@munch [$(#[$attr:meta])* $name:ident]
        [$([$(#[$fa:meta])* $f:ident ($($ty:tt)*) {$($prost:tt)*} $json:ident ($($generics:tt)*)])*]) => {
        $(#[$attr])*
        #[derive(Clone, PartialEq, ::prost::Message)]
        pub struct $name {
            $($(#[$fa])* #[prost($($prost)*)] pub $f: $($ty)*,)*
        }

        impl $crate::proto::json::JsonMessage for $name {
            fn to_json(&self) -> ::serde_json::Value {
                #[allow(unused_mut)]
                let mut object = $crate::proto::json::Object::new();
                $($crate::proto::json::$json::put $($generics)* (
                    &mut object,
                    $crate::proto::json::key(stringify!($f)),
                    &self.$f,
                );)*
                ::serde_json::Value::Object(object)
            }

            #[allow(unused_variables)]
            fn from_json(
                value: &::serde_json::Value,
            ) -> ::std::result::Result<Self, $crate::proto::json::FieldError> {
                let object = $crate::proto::json::expect_object(value)?;
                Ok(Self {
                    $($f: $crate::proto::json::$json::take $($generics)* (
                        object,
                        $crate::proto::json::key(stringify!($f)),
                    )?,)*
                })
            }

            fn check_required(&self) -> ::std::result::Result<(), $crate::proto::json::FieldError> {
                $($crate::proto::json::$json::check $($generics)* (
                    $crate::proto::json::key(stringify!($f)),
                    &self.$f,
                )?;)*
                Ok(())
            }
        }
    };
}

macro_rules! enumeration {
    ($(#[$attr:meta])* pub enum $name:ident {
        $($(#[$va:meta])* $variant:ident = $number:tt => $proto:literal,)*
    }) => {
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::prost::Enumeration)]
        #[repr(i32)]
        pub enum $name {
            $($(#[$va])* $variant = $number,)*
        }

        impl $name {
            /// The value's name in the .proto file (and in Mesos JSON).
            pub fn as_str_name(&self) -> &'static str {
                match self {
                    $(Self::$variant => $proto,)*
                }
            }

            /// The value with this name in the .proto file, if any.
            pub fn from_str_name(value: &str) -> ::std::option::Option<Self> {
                match value {
                    $($proto => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl $crate::proto::json::ProtoEnum for $name {
            fn name_of(number: i32) -> ::std::option::Option<&'static str> {
                Self::try_from(number).ok().map(|value| value.as_str_name())
            }
            fn number_of(name: &str) -> ::std::option::Option<i32> {
                Self::from_str_name(name).map(|value| value as i32)
            }
        }
    };
}
