//! What a verifier may see of the holder's name: 张*伟, 欧**明, 王*.

pub use crate::domain::text::mask_name;

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn keeps_first_and_last_character() {
        assert_eq!(mask_name("张小伟"), "张*伟");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("王五"), "王*");
        assert_eq!(mask_name("𠮷"), "𠮷");
        assert_eq!(mask_name(""), "");
    }
}
