/// A pixel filter for `Image.apply(_:)`. Colour filters leave an alpha band as it was.
public enum ImageFilter: Sendable, Equatable {
    /// Gaussian blur; `sigma` in pixels (0.3-1000).
    case blur(sigma: Double)
    /// Unsharp mask on lightness; `sigma` in pixels.
    case sharpen(sigma: Double)
    case grayscale
    case sepia
    /// 255 - value on the colour bands.
    case negate
    /// Greyscale, then 255 where the value is >= `value`, else 0 (sharp's `threshold`).
    case threshold(Double)
    /// Multiplies the colour bands (1 leaves the image unchanged).
    case brightness(Double)
    /// Stretches the colour bands around mid-grey, 128 (1 leaves the image unchanged).
    case contrast(Double)
    /// libvips' gamma: out = 255 * (in / 255)^(1 / exponent), so exponents above 1 brighten.
    case gamma(Double)
    /// Mixes each pixel with its luma: 0 is greyscale, 1 unchanged, above 1 more saturated.
    case saturation(Double)
    /// Greyscale multiplied by an RGB colour (0-255 each).
    case tint(red: Double, green: Double, blue: Double)
}
