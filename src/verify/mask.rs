//! What a verifier may see of the holder's name: 张*伟, 欧**明, 王*.

pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => chars[0].to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

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
