//! Names the colour of a status cell's fill (red, amber, green or blue), for trackers that show
//! a status only as a colour. The colour is only named here: what it means is the plan's to say.

/// A fill colour's red, green and blue channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// The four colours a RAG tracker uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Red,
    Amber,
    Green,
    Blue,
}

impl Colour {
    /// In a sentence: "a red fill".
    pub fn name(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Amber => "amber",
            Colour::Green => "green",
            Colour::Blue => "blue",
        }
    }

    /// As a cell would spell it, for matching against the plan's words: "Red".
    pub fn word(self) -> &'static str {
        match self {
            Colour::Red => "Red",
            Colour::Amber => "Amber",
            Colour::Green => "Green",
            Colour::Blue => "Blue",
        }
    }
}

/// Hue (degrees) at the middle of each colour; yellow and orange fills count as amber.
const HUES: [(f32, Colour); 4] = [
    (0.0, Colour::Red),
    (40.0, Colour::Amber),
    (115.0, Colour::Green),
    (210.0, Colour::Blue),
];

/// Below this spread between the strongest and weakest channel a fill is white, grey or black:
/// no colour at all (Excel's palest tints, such as C6EFCE, are just above it).
const MIN_CHROMA: u8 = 24;

/// The RAG colour nearest the fill's hue; `None` for white, grey and black.
pub fn colour_of(rgb: Rgb) -> Option<Colour> {
    let Rgb(r, g, b) = rgb;
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    if max - min < MIN_CHROMA {
        return None;
    }
    let (r, g, b) = (f32::from(r), f32::from(g), f32::from(b));
    let chroma = f32::from(max - min);
    let max = f32::from(max);
    let hue = if max == r {
        60.0 * ((g - b) / chroma)
    } else if max == g {
        60.0 * ((b - r) / chroma + 2.0)
    } else {
        60.0 * ((r - g) / chroma + 4.0)
    }
    .rem_euclid(360.0);
    let distance = |centre: f32| {
        let d = (hue - centre).abs();
        d.min(360.0 - d)
    };
    HUES.iter()
        .min_by(|a, b| distance(a.0).total_cmp(&distance(b.0)))
        .map(|&(_, colour)| colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_rag_fills_get_their_colour() {
        let cases = [
            (Rgb(0xFF, 0x00, 0x00), Some(Colour::Red)),
            (Rgb(0xC0, 0x00, 0x00), Some(Colour::Red)),
            (Rgb(0xFF, 0xC7, 0xCE), Some(Colour::Red)),
            (Rgb(0xFF, 0xC0, 0x00), Some(Colour::Amber)),
            (Rgb(0xFF, 0xFF, 0x00), Some(Colour::Amber)),
            (Rgb(0xFF, 0x99, 0x00), Some(Colour::Amber)),
            (Rgb(0x00, 0xB0, 0x50), Some(Colour::Green)),
            (Rgb(0x92, 0xD0, 0x50), Some(Colour::Green)),
            (Rgb(0xC6, 0xEF, 0xCE), Some(Colour::Green)),
            (Rgb(0x00, 0x70, 0xC0), Some(Colour::Blue)),
            (Rgb(0x00, 0xB0, 0xF0), Some(Colour::Blue)),
            (Rgb(0xFF, 0xFF, 0xFF), None),
            (Rgb(0xD9, 0xD9, 0xD9), None),
            (Rgb(0x00, 0x00, 0x00), None),
        ];
        for (rgb, want) in cases {
            assert_eq!(colour_of(rgb), want, "{rgb}");
        }
    }

    #[test]
    fn a_colour_is_shown_as_hex() {
        assert_eq!(Rgb(0xFF, 0xC0, 0x00).to_string(), "#FFC000");
    }
}
