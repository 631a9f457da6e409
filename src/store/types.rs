//! The domain's enums as database values (their snake_case names in a TEXT column), for both drivers.
//! An unknown name in the database is a decode error, never a silent default.
use crate::domain::access::Role;
use crate::domain::item::Kind;
use crate::domain::{Outcome, State};
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::{Database, Type};

macro_rules! text_enum {
    ($ty:ty, $what:literal) => {
        impl<DB: Database> Type<DB> for $ty
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let s = <&str as Decode<DB>>::decode(value)?;
                <$ty>::parse(s).ok_or_else(|| format!("unknown {} {s:?}", $what).into())
            }
        }

        // Encoded as an owned String: a `&'static str` bound would force every other value bound
        // to the same query to be 'static too.
        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            String: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                Encode::<DB>::encode(self.as_str().to_owned(), buf)
            }
        }
    };
}

text_enum!(State, "state");
text_enum!(Outcome, "outcome");
text_enum!(Role, "role");
text_enum!(Kind, "item kind");
