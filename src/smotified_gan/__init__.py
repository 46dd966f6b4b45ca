"""SMOTified-GAN."""
