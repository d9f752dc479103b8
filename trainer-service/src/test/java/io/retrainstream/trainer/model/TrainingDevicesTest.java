package io.retrainstream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrainingDevicesTest {

    @Test
    void aMachineWithoutGpuTrainsOnTheCpu() {
        assertThat(TrainingDevices.probe()).containsExactly("CPU:0");
    }
}
