"""The model zoo: classifiers (small nets and torchvision), GAN generators and discriminators,
and latent priors with interpolation."""
