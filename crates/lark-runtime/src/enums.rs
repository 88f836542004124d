//! Enums with named values. A value the spec does not list decodes to the enum's `Unknown` variant, so
//! a value the server adds later never fails a response; a request holding one fails validation.

use serde::{Deserialize, Deserializer, Serializer};

/// A string enum from a spec. Generated code supplies the value table; the runtime does the rest.
pub trait StringEnum: Sized {
    /// The variant for a wire value, `Unknown` when the spec does not list it.
    fn from_wire(value: &str) -> Self;
    /// The value as sent on the wire.
    fn as_wire(&self) -> &str;
    /// Whether the spec lists this value.
    fn is_known(&self) -> bool;
}

/// An integer enum from a spec.
pub trait IntEnum: Sized {
    /// The variant for a wire value, `Unknown` when the spec does not list it.
    fn from_wire(value: i64) -> Self;
    /// The value as sent on the wire.
    fn as_wire(&self) -> i64;
    /// Whether the spec lists this value.
    fn is_known(&self) -> bool;
}

/// `Serialize` of a string enum.
pub fn serialize_string_enum<S: Serializer>(value: &impl StringEnum, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_wire())
}

/// `Deserialize` of a string enum.
pub fn deserialize_string_enum<'de, D: Deserializer<'de>, E: StringEnum>(deserializer: D) -> Result<E, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    Ok(E::from_wire(&text))
}

/// `Serialize` of an integer enum.
pub fn serialize_int_enum<S: Serializer>(value: &impl IntEnum, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_i64(value.as_wire())
}

/// `Deserialize` of an integer enum.
pub fn deserialize_int_enum<'de, D: Deserializer<'de>, E: IntEnum>(deserializer: D) -> Result<E, D::Error> {
    Ok(E::from_wire(i64::deserialize(deserializer)?))
}

/// A generated string enum's value table (`VALUES`, from `Variant = "wire"` pairs) and its traits —
/// [`StringEnum`] by `match` over the table, with `Unknown` for any other value, `Serialize`,
/// `Deserialize`, `Display`, `Validate` — written once here instead of in every generated file.
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum_traits {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// Every value the spec names, with its wire form.
            pub const VALUES: &'static [(Self, &'static str)] = &[$((Self::$variant, $wire)),*];
        }
        impl $crate::enums::StringEnum for $name {
            fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(::std::borrow::ToOwned::to_owned(other)),
                }
            }
            fn as_wire(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(value) => value,
                }
            }
            fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::enums::serialize_string_enum(self, serializer)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::enums::deserialize_string_enum(deserializer)
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::enums::StringEnum::as_wire(self))
            }
        }
        impl $crate::Validate for $name {
            fn validate_at(&self, at: &$crate::validate::FieldPath<'_>, violations: &mut $crate::validate::Violations) {
                violations.known_enum_value(at, $crate::enums::StringEnum::is_known(self), self);
            }
        }
    };
}

/// The traits of a generated integer enum, as [`string_enum_traits!`] writes them for string enums.
#[doc(hidden)]
#[macro_export]
macro_rules! int_enum_traits {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// Every value the spec names, with its wire form.
            pub const VALUES: &'static [(Self, i64)] = &[$((Self::$variant, $wire)),*];
        }
        impl $crate::enums::IntEnum for $name {
            fn from_wire(value: i64) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
            fn as_wire(&self) -> i64 {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(value) => *value,
                }
            }
            fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::enums::serialize_int_enum(self, serializer)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::enums::deserialize_int_enum(deserializer)
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&$crate::enums::IntEnum::as_wire(self), f)
            }
        }
        impl $crate::Validate for $name {
            fn validate_at(&self, at: &$crate::validate::FieldPath<'_>, violations: &mut $crate::validate::Violations) {
                violations.known_enum_value(at, $crate::enums::IntEnum::is_known(self), self);
            }
        }
    };
}
